package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/lab/callgen"
)

// runCall places SIPREC calls with callgen and prints the report.
func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("call", stderr)
	var (
		cfg      callgen.Config
		local    = fs.String("local", "127.0.0.1", "local IPv4 address for SIP and RTP")
		dir      = fs.String("direction", "inbound", "call direction: inbound (UCID + UUI) or outbound (x-inin-cnv)")
		tones    = fs.String("tones", "440,1000", "customer,agent tones in Hz (the customer is the caller on inbound calls, the callee on outbound)")
		codec    = fs.String("codec", "pcmu", "pcmu or pcma")
		asJSON   = fs.Bool("json", false, "print the report as JSON")
		results  = fs.Bool("results", false, "with --json, include every call's report")
		logLevel = fs.String("log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	)
	fs.StringVar(&cfg.Target, "target", "127.0.0.1:5060", "SRS SIP address host:port")
	fs.StringVar(&cfg.Transport, "transport", "tcp", "udp, tcp or tls")
	fs.IntVar(&cfg.Calls, "calls", 1, "calls to place")
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "calls at once (0: all)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "new calls per second, the ramp (0: as fast as --concurrency allows)")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "media time per call after activation")
	fs.StringVar(&cfg.SRTP, "srtp", "", "SDES suite: "+strings.Join(callgen.Suites(), ", ")+" (empty: RTP)")
	fs.StringVar(&cfg.CTIURL, "cti-url", "", "POST each call's CTI start here once it is answered inactive, e.g. http://127.0.0.1:9090/v1/cti")
	fs.BoolVar(&cfg.LateConversationID, "late-conversation-id", false, "outbound: send x-inin-cnv only in a metadata re-INVITE after the answer")
	fs.BoolVar(&cfg.ConversationHeader, "conversation-header", false, "outbound: also send the X-Inin-Cnv SIP header")
	fs.DurationVar(&cfg.ActivationTimeout, "activation-timeout", 60*time.Second, "how long a call waits for the SRS's re-INVITE")
	fs.DurationVar(&cfg.AnswerTimeout, "answer-timeout", 10*time.Second, "how long a call waits for the INVITE's final response")
	fs.IntVar(&cfg.Workers, "workers", 0, "RTP pacing workers (0: min(4, CPUs))")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: cogito-lab call [flags]\n\nPlays an Oracle SBC: SIPREC INVITEs with fresh UCID/UUI or x-inin-cnv keys, waits for the\nSRS's recvonly re-INVITE, then streams both legs (each its own tone) and hangs up.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cogito-lab call: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	var err error
	if cfg.LocalIP, err = netip.ParseAddr(*local); err != nil {
		return usageErr(stderr, "call", err)
	}
	cfg.Direction = callgen.Direction(*dir)
	ts, err := parseFreqs(*tones)
	if err != nil || len(ts) != 2 {
		return usageErr(stderr, "call", fmt.Errorf("--tones %q: want customer,agent", *tones))
	}
	cfg.CustomerTone, cfg.AgentTone = ts[0], ts[1]
	if cfg.Codec, err = parseCodec(*codec); err != nil {
		return usageErr(stderr, "call", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr(stderr, "call", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	rep, err := callgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab call: %v\n", err)
		return exitRuntime
	}
	if *asJSON {
		if !*results {
			rep.Results = nil
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "cogito-lab call: %v\n", err)
			return exitRuntime
		}
	} else {
		printReport(stdout, rep)
	}
	if rep.Failed > 0 || rep.Calls < cfg.Calls {
		return exitFailed
	}
	return exitOK
}

// printReport writes the human summary of a run.
func printReport(w io.Writer, r callgen.Report) {
	fmt.Fprintf(w, "calls %d: answered %d, activated %d, completed %d, failed %d (max %d at once) in %v\n",
		r.Calls, r.Answered, r.Activated, r.Completed, r.Failed, r.MaxActive, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "rtp: %d packets, %d bytes, %d send errors, %d late, %d skipped; pacer ticks %d (%d late)\n",
		r.Packets, r.Bytes, r.SendErrors, r.Late, r.Skipped, r.Ticks, r.LateTicks)
	errs := make([]string, 0, len(r.Errors))
	for e := range r.Errors {
		errs = append(errs, e)
	}
	sort.Strings(errs)
	for _, e := range errs {
		fmt.Fprintf(w, "error x%d: %s\n", r.Errors[e], e)
	}
	if len(r.Results) == 1 {
		c := r.Results[0]
		k := c.Keys
		fmt.Fprintf(w, "call %s %s ucid=%s conversation=%s labels=%v\n", c.CallID, c.Direction, k.UCID, k.ConversationID, c.Labels)
		for _, l := range c.Legs {
			fmt.Fprintf(w, "  leg %-8s %4.0f Hz %s -> %s: %d packets\n", l.Role, l.Tone, l.Local, l.Remote, l.Packets)
		}
	}
}

func flagExit(err error) int {
	if err == nil || strings.Contains(err.Error(), "help requested") {
		return exitOK
	}
	return exitUsage
}

func usageErr(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "cogito-lab %s: %v\n", cmd, err)
	return exitUsage
}
