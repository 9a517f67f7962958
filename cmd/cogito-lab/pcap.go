package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/cogito/cogito-edge/lab/pcap"
	"github.com/cogito/cogito-edge/lab/tone"
)

// runPcap writes an RTP tone pcap: one stream per tone, stream i from
// src+2i to dst+2i, the layout SIPp's play_pcap_audio turns into the legs
// of one call.
func runPcap(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("pcap", stderr)
	var (
		out      = fs.String("out", "", "file to write (required)")
		tones    = fs.String("tones", "440,1000", "one stream per tone, in Hz")
		duration = fs.Duration("duration", 3*time.Second, "per stream; 0 writes an empty pcap (plays nothing)")
		src      = fs.String("src", "127.0.0.1:6000", "first stream's source (sipp rewrites it to its -mp port)")
		dst      = fs.String("dst", "127.0.0.1:40000", "first stream's destination (sipp keeps only the spacing)")
		codec    = fs.String("codec", "pcmu", "pcmu or pcma")
		ptime    = fs.Duration("ptime", 20*time.Millisecond, "packet interval")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: cogito-lab pcap --out FILE [flags]\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	freqs, err := parseFreqs(*tones)
	if err != nil {
		return usageErr(stderr, "pcap", err)
	}
	c, err := parseCodec(*codec)
	if err != nil {
		return usageErr(stderr, "pcap", err)
	}
	s, err := netip.ParseAddrPort(*src)
	if err != nil {
		return usageErr(stderr, "pcap", err)
	}
	d, err := netip.ParseAddrPort(*dst)
	if err != nil {
		return usageErr(stderr, "pcap", err)
	}
	ts := make([]tone.Tone, len(freqs))
	for i, f := range freqs {
		ts[i] = tone.Tone{Freq: f}
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab pcap: %v\n", err)
		return exitRuntime
	}
	n, err := pcap.WriteRTP(f, pcap.RTPConfig{Streams: pcap.Legs(s, d, ts...), Codec: c, Duration: *duration, Ptime: *ptime})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab pcap: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "wrote %s: %d streams, %d packets, %v of %s per stream\n", *out, len(ts), n, *duration, c)
	return exitOK
}
