package pcap

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/cogito/cogito-edge/lab/tone"
)

// Stream is one RTP stream: a tone sent from Src to Dst.
type Stream struct {
	Src, Dst  netip.AddrPort
	Tone      tone.Tone
	SSRC      uint32 // 0 picks 0x5eed0000 + stream index
	Seq       uint16 // first sequence number
	Timestamp uint32 // first RTP timestamp
}

// RTPConfig describes a file of RTP streams played side by side.
type RTPConfig struct {
	Streams  []Stream
	Codec    tone.Codec    // PCMU (default) or PCMA
	Duration time.Duration // per stream; 0 writes a valid file with no packets
	Ptime    time.Duration // packet interval; default 20 ms
	// Start is the capture time of the first packets; the zero value means
	// 2026-01-01T00:00:00Z, so that output is reproducible.
	Start time.Time
}

// Legs returns one stream per tone, the i-th sent from src+2i to dst+2i:
// the layout SIPp's play_pcap_audio turns into the legs of one call.
func Legs(src, dst netip.AddrPort, tones ...tone.Tone) []Stream {
	out := make([]Stream, len(tones))
	for i, t := range tones {
		out[i] = Stream{
			Src:  netip.AddrPortFrom(src.Addr(), src.Port()+uint16(2*i)),
			Dst:  netip.AddrPortFrom(dst.Addr(), dst.Port()+uint16(2*i)),
			Tone: t,
		}
	}
	return out
}

// WriteRTP writes a pcap file holding cfg's streams, interleaved in time:
// every Ptime each stream sends one RTP packet (version 2, the codec's static
// payload type, marker on the first packet, sequence +1 and timestamp
// +samples per packet). It returns the number of packets written.
func WriteRTP(w io.Writer, cfg RTPConfig) (int, error) {
	if cfg.Ptime <= 0 {
		cfg.Ptime = 20 * time.Millisecond
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Codec != tone.PCMU && cfg.Codec != tone.PCMA {
		return 0, fmt.Errorf("pcap: unsupported codec %d", cfg.Codec)
	}
	spp := int(cfg.Ptime * tone.SampleRate / time.Second) // samples per packet
	if spp <= 0 || spp > 1400 {
		return 0, fmt.Errorf("pcap: ptime %v out of range", cfg.Ptime)
	}
	pw, err := NewWriter(w)
	if err != nil {
		return 0, err
	}
	npk := int(cfg.Duration / cfg.Ptime)
	pcm := make([]int16, spp)
	rtp := make([]byte, 12+spp)
	var frame []byte
	written := 0
	for k := range npk {
		ts := cfg.Start.Add(time.Duration(k) * cfg.Ptime)
		for i, s := range cfg.Streams {
			ssrc := s.SSRC
			if ssrc == 0 {
				ssrc = 0x5eed0000 + uint32(i)
			}
			rtp[0] = 0x80
			rtp[1] = cfg.Codec.PayloadType()
			if k == 0 {
				rtp[1] |= 0x80 // marker: start of a talkspurt
			}
			binary.BigEndian.PutUint16(rtp[2:], s.Seq+uint16(k))
			binary.BigEndian.PutUint32(rtp[4:], s.Timestamp+uint32(k*spp))
			binary.BigEndian.PutUint32(rtp[8:], ssrc)
			s.Tone.Fill(pcm, tone.SampleRate, k*spp)
			cfg.Codec.AppendEncode(rtp[:12], pcm)
			frame, err = AppendUDPFrame(frame[:0], s.Src, s.Dst, uint16(k*len(cfg.Streams)+i), rtp)
			if err != nil {
				return written, err
			}
			if err := pw.WritePacket(ts, frame); err != nil {
				return written, err
			}
			written++
		}
	}
	return written, nil
}
