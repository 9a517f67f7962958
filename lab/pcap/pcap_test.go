package pcap

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/pion/rtp"
)

func TestFrameRoundTrip(t *testing.T) {
	src := netip.MustParseAddrPort("10.173.188.16:34866")
	dst := netip.MustParseAddrPort("10.20.0.50:20000")
	tests := map[string][]byte{
		"empty":       nil,
		"odd payload": []byte("abc"),
		"rtp sized":   bytes.Repeat([]byte{0xff}, 172),
	}
	for name, payload := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := AppendUDPFrame(nil, src, dst, 7, payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(f) != FrameOverhead+len(payload) {
				t.Fatalf("frame length %d", len(f))
			}
			p, err := ParseUDPFrame(f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Src != src || p.Dst != dst || p.ID != 7 || !bytes.Equal(p.Payload, payload) {
				t.Fatalf("parsed %+v", p)
			}
		})
	}
}

// A known-good frame: the checksums were verified with tshark
// (ip.checksum_status == 1, udp.checksum_status == 1).
func TestFrameKnownChecksums(t *testing.T) {
	f, err := AppendUDPFrame(nil, netip.MustParseAddrPort("127.0.0.1:6000"), netip.MustParseAddrPort("127.0.0.1:20000"), 0, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if ip, udp := f[24:26], f[40:42]; !bytes.Equal(ip, []byte{0x3c, 0xca}) || !bytes.Equal(udp, []byte{0x58, 0x6f}) {
		t.Fatalf("checksums ip=%x udp=%x", ip, udp)
	}
}

func TestParseRejectsDamage(t *testing.T) {
	good, _ := AppendUDPFrame(nil, netip.MustParseAddrPort("127.0.0.1:1"), netip.MustParseAddrPort("127.0.0.1:2"), 1, []byte("payload"))
	tests := map[string]struct {
		mutate func([]byte) []byte
		want   error
	}{
		"ip checksum":  {func(b []byte) []byte { b[24] ^= 1; return b }, ErrChecksum},
		"udp payload":  {func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, ErrChecksum},
		"truncated":    {func(b []byte) []byte { return b[:len(b)-2] }, ErrFrame},
		"not ipv4":     {func(b []byte) []byte { b[12] = 0x86; b[13] = 0xdd; return b }, ErrFrame},
		"short":        {func(b []byte) []byte { return b[:20] }, ErrFrame},
		"tcp protocol": {func(b []byte) []byte { b[23] = 6; return b }, ErrFrame},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseUDPFrame(tt.mutate(bytes.Clone(good)))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestWriteRTPRoundTrip reads a two-leg file back the way SIPp and tshark
// would and checks every layer: pcap records, frames, RTP headers, ports two
// apart, 20 ms spacing, and each leg's tone.
func TestWriteRTPRoundTrip(t *testing.T) {
	src := netip.MustParseAddrPort("127.0.0.1:6000")
	dst := netip.MustParseAddrPort("127.0.0.1:20000")
	for _, codec := range []tone.Codec{tone.PCMU, tone.PCMA} {
		t.Run(codec.String(), func(t *testing.T) {
			var buf bytes.Buffer
			n, err := WriteRTP(&buf, RTPConfig{
				Streams:  Legs(src, dst, tone.Tone{Freq: 440}, tone.Tone{Freq: 1000}),
				Codec:    codec,
				Duration: time.Second,
			})
			if err != nil || n != 100 {
				t.Fatalf("WriteRTP = %d, %v", n, err)
			}
			r, err := NewReader(&buf)
			if err != nil || r.LinkType() != LinkTypeEthernet {
				t.Fatalf("NewReader: %v, link %d", err, r.LinkType())
			}
			type leg struct {
				pkts     int
				lastSeq  uint16
				lastTS   uint32
				lastTime time.Time
				pcm      []int16
				ssrc     uint32
			}
			legs := map[uint16]*leg{}
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if rec.OrigLen != len(rec.Data) {
					t.Fatal("truncated record: SIPp refuses these")
				}
				p, err := ParseUDPFrame(rec.Data)
				if err != nil {
					t.Fatal(err)
				}
				var pkt rtp.Packet
				if err := pkt.Unmarshal(p.Payload); err != nil {
					t.Fatal(err)
				}
				l := legs[p.Dst.Port()]
				if l == nil {
					l = &leg{ssrc: pkt.SSRC}
					legs[p.Dst.Port()] = l
					if !pkt.Marker || p.Src.Port()-src.Port() != p.Dst.Port()-dst.Port() {
						t.Fatalf("first packet: marker %v, %v -> %v", pkt.Marker, p.Src, p.Dst)
					}
				} else {
					if pkt.Marker || pkt.SequenceNumber != l.lastSeq+1 || pkt.Timestamp != l.lastTS+160 ||
						rec.Time.Sub(l.lastTime) != 20*time.Millisecond || pkt.SSRC != l.ssrc {
						t.Fatalf("packet %d of %v: %+v at %v", l.pkts, p.Dst, pkt.Header, rec.Time)
					}
				}
				if pkt.PayloadType != codec.PayloadType() || len(pkt.Payload) != 160 {
					t.Fatalf("payload type %d, %d bytes", pkt.PayloadType, len(pkt.Payload))
				}
				l.pkts++
				l.lastSeq, l.lastTS, l.lastTime = pkt.SequenceNumber, pkt.Timestamp, rec.Time
				l.pcm = codec.AppendDecode(l.pcm, pkt.Payload)
			}
			want := map[uint16]float64{20000: 440, 20002: 1000}
			for port, freq := range want {
				l := legs[port]
				if l == nil || l.pkts != 50 {
					t.Fatalf("leg %d: %+v", port, l)
				}
				w := &tone.WAV{SampleRate: tone.SampleRate, Channels: [][]int16{l.pcm}}
				rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{440, 1000}})
				if err := rep.Check(tone.Expect{Freq: freq, Duration: time.Second}); err != nil {
					t.Fatalf("leg %d: %v", port, err)
				}
			}
			if legs[20000].ssrc == legs[20002].ssrc {
				t.Fatal("legs share an SSRC")
			}
		})
	}
}

func TestWriteRTPEmptyIsValid(t *testing.T) {
	var buf bytes.Buffer
	if n, err := WriteRTP(&buf, RTPConfig{}); err != nil || n != 0 || buf.Len() != 24 {
		t.Fatalf("WriteRTP = %d, %v, %d bytes", n, err, buf.Len())
	}
	r, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next = %v, want EOF", err)
	}
}

func TestReaderRejects(t *testing.T) {
	tests := map[string][]byte{
		"empty":     nil,
		"bad magic": bytes.Repeat([]byte{0}, 24),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewReader(bytes.NewReader(in)); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
