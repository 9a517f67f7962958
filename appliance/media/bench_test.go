package media

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/srtp/v3"
)

// benchPath measures one RTP packet (PCMU, 20 ms) through parse, SRTP
// (when key is set), decode and jitter buffer, plus its share of a stereo
// frame: two packets (one per channel) and one frame make two operations.
// The socket read is excluded.
func benchPath(b *testing.B, key *SRTPParams) {
	r := newPathRig(b, key)
	const batch = 4096
	k, idx := uint32(0), 0
	if key != nil {
		r.seal(b, 0, batch)
	}
	b.ReportAllocs()
	b.SetBytes(172)
	i := 0
	for b.Loop() {
		ch := i & 1
		if key != nil && idx == batch {
			b.StopTimer()
			r.seal(b, k, batch)
			idx = 0
			b.StartTimer()
		}
		r.packet(ch, k, idx)
		if ch == 1 {
			r.frame()
			k++
			idx++
		}
		i++
	}
	if s := r.streams[0].Stats(); len(s.Dropped) != 0 || s.Late != 0 {
		b.Fatalf("stream stats %+v", s)
	}
}

func BenchmarkRTPToFrame(b *testing.B) { benchPath(b, nil) }

func BenchmarkSRTPToFrame(b *testing.B) {
	benchPath(b, testKey(b, srtp.ProtectionProfileAes128CmHmacSha1_80, 1))
}

// BenchmarkFramerTick measures one clock tick over n sessions of two
// streams each, every stream holding a packet: the clock workers' work per
// frame period. ns/session is the cost of one stereo frame.
func BenchmarkFramerTick(b *testing.B) {
	for _, n := range []int{100, 1000, 2000} {
		b.Run(fmt.Sprint("sessions=", n), func(b *testing.B) {
			// Sockets are real (two per stream), so the range is wide; pairs
			// bound elsewhere are skipped by the pool.
			e, err := NewEngine(EngineConfig{Address: loopback, Ports: "40000-49999"}, nil, NewMetrics(nil))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = e.Close() })
			now := time.Now()
			e.now = func() time.Time { return now }
			sessions := make([]*Session, n)
			streams := make([]*Stream, 0, 2*n)
			for i := range sessions {
				s := e.NewSession(fmt.Sprint(i), nil)
				for ch := range 2 {
					st, err := s.AddStream(StreamParams{Peer: peerA, Payloads: pcmu(), Channel: Channel(ch)})
					if err != nil {
						b.Fatal(err)
					}
					streams = append(streams, st)
				}
				if err := s.Activate(); err != nil {
					b.Fatal(err)
				}
				sessions[i] = s
			}
			pkt := rtpPacket(b, 0, 0, 7, 0, ulawPayload(tone(440, 8000, 0, 160)))
			k := uint32(0)
			feed := func() {
				pkt[2], pkt[3] = byte(k>>8), byte(k)
				ts := k * 160
				pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
				for _, st := range streams {
					st.handlePacket(pkt, peerA, now)
				}
				k++
			}
			for range 10 {
				feed()
				now = now.Add(20 * time.Millisecond)
				for _, s := range sessions {
					s.tick(now)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				feed()
				now = now.Add(20 * time.Millisecond)
				b.StartTimer()
				for _, s := range sessions {
					s.tick(now)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/session")
		})
	}
}
