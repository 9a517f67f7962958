package callgen

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/sdes"
	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// testLeg returns a leg with its socket closed at cleanup; suite "" is RTP.
func testLeg(t testing.TB, suite sdes.Suite, total uint64) (*leg, sdes.Crypto) {
	t.Helper()
	var (
		ctx *srtp.Context
		key sdes.Crypto
	)
	if suite != "" {
		var err error
		if key, err = sdes.NewCrypto(1, suite); err != nil {
			t.Fatal(err)
		}
		if ctx, err = key.Context(); err != nil {
			t.Fatal(err)
		}
	}
	l, err := newLeg(loopback, newPayloadTable(tone.Tone{Freq: 440}, tone.PCMU, 160), 0, total, ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.close() })
	return l, key
}

// sink is a UDP receiver that collects RTP packets.
type sink struct {
	conn *net.UDPConn
	mu   sync.Mutex
	pkts []rtp.Packet
	from []netip.AddrPort
	at   []time.Time
}

func newSink(t testing.TB) *sink {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadBuffer(1 << 20)
	s := &sink{conn: c}
	done := make(chan struct{})
	t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			var p rtp.Packet
			if p.Unmarshal(append([]byte{}, buf[:n]...)) != nil {
				continue
			}
			s.mu.Lock()
			s.pkts = append(s.pkts, p)
			s.from = append(s.from, from)
			s.at = append(s.at, time.Now())
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *sink) addr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pkts)
}

// waitCount waits until the sink holds n packets or the deadline passes.
func (s *sink) waitCount(t testing.TB, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for s.count() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling a counter; no event to await
	}
}

func TestLegBuildDoesNotAllocate(t *testing.T) {
	for _, suite := range append([]sdes.Suite{""}, sdes.Suites()...) {
		name := string(suite)
		if name == "" {
			name = "RTP"
		}
		t.Run(name, func(t *testing.T) {
			l, _ := testLeg(t, suite, 1<<40)
			l.build() // first packet sets up SRTP per-SSRC state
			if a := testing.AllocsPerRun(1000, func() { l.build() }); a != 0 {
				t.Fatalf("build allocates %.1f times per packet", a)
			}
		})
	}
}

func TestLegSendDoesNotAllocate(t *testing.T) {
	s := newSink(t)
	l, _ := testLeg(t, "", 1<<40)
	dst := s.addr()
	l.send(dst)
	if a := testing.AllocsPerRun(500, func() { l.send(dst) }); a != 0 {
		t.Fatalf("send allocates %.1f times per packet", a)
	}
	if l.stats.sendErrors.Load() != 0 {
		t.Fatal("send errors")
	}
}

// TestLegPacketsDecrypt proves each suite's packets decrypt with the offered
// key, carry the tone and keep sequence and timestamp continuous.
func TestLegPacketsDecrypt(t *testing.T) {
	for _, suite := range sdes.Suites() {
		t.Run(string(suite), func(t *testing.T) {
			l, key := testLeg(t, suite, 1<<40)
			dec, err := key.Context()
			if err != nil {
				t.Fatal(err)
			}
			var pcm []int16
			var last rtp.Header
			for i := range 50 {
				ct, err := l.build()
				if err != nil {
					t.Fatal(err)
				}
				pt, err := dec.DecryptRTP(nil, ct, nil)
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				var p rtp.Packet
				if err := p.Unmarshal(pt); err != nil {
					t.Fatal(err)
				}
				if i > 0 && (p.SequenceNumber != last.SequenceNumber+1 || p.Timestamp != last.Timestamp+160 || p.Marker) {
					t.Fatalf("packet %d header %+v after %+v", i, p.Header, last)
				}
				if i == 0 && !p.Marker {
					t.Fatal("first packet has no marker")
				}
				last = p.Header
				pcm = tone.PCMU.AppendDecode(pcm, p.Payload)
			}
			r := tone.Analyze(&tone.WAV{SampleRate: 8000, Channels: [][]int16{pcm}}, tone.AnalyzeOptions{Candidates: []float64{440, 1000}})
			if err := r.Check(tone.Expect{Freq: 440, Duration: time.Second}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPacerManyLegs runs 200 legs on 2 workers for half a second and checks
// that every leg accounts for all of its packets, sent from its own socket
// and paced at 20 ms. The host may be busy, so a stalled worker's skips are
// tolerated as long as they are counted.
func TestPacerManyLegs(t *testing.T) {
	const legs, total = 200, 25
	p := newPacer(2, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); p.wait() })
	p.start(ctx)
	all := make([]*leg, legs)
	sinks := make([]*sink, legs)
	start := time.Now()
	for i := range all {
		sinks[i] = newSink(t)
		dst := sinks[i].addr()
		l, _ := testLeg(t, "", total)
		l.dst.Store(&dst)
		all[i] = l
		p.add(l)
	}
	for _, l := range all {
		<-l.done
	}
	if elapsed := time.Since(start); elapsed < (total-1)*20*time.Millisecond {
		t.Fatalf("25 packets at 20 ms took only %v", elapsed)
	}
	for i, l := range all {
		sent, skipped := l.stats.packets.Load(), l.stats.skipped.Load()
		if sent+skipped != total || l.stats.sendErrors.Load() != 0 {
			t.Fatalf("leg %d: sent %d + skipped %d != %d (errors %d)", i, sent, skipped, total, l.stats.sendErrors.Load())
		}
		s := sinks[i]
		s.waitCount(t, int(sent), 5*time.Second)
		s.mu.Lock()
		for j, f := range s.from {
			if f != l.local {
				t.Fatalf("leg %d: packet from %v, want %v", i, f, l.local)
			}
			if j > 0 && s.pkts[j].Timestamp-s.pkts[j-1].Timestamp != 160*uint32(s.pkts[j].SequenceNumber-s.pkts[j-1].SequenceNumber) {
				t.Fatalf("leg %d: timestamp does not follow sequence", i)
			}
		}
		got := len(s.pkts)
		s.mu.Unlock()
		if got != int(sent) {
			t.Fatalf("leg %d: %d of %d packets arrived", i, got, sent)
		}
	}
}

// waitFor polls cond; used where the condition is a counter, not an event.
func waitFor(t testing.TB, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPacerPauseAndStop(t *testing.T) {
	p := newPacer(1, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); p.wait() })
	p.start(ctx)
	s := newSink(t)
	dst := s.addr()
	l, _ := testLeg(t, "", 1<<40)
	l.dst.Store(&dst)
	p.add(l)
	s.waitCount(t, 5, 5*time.Second)
	l.paused.Store(true)
	// Two full ticks after the flip, the worker has seen it.
	ticks, _ := p.tickStats()
	waitFor(t, 5*time.Second, func() bool { n, _ := p.tickStats(); return n >= ticks+2 })
	held := l.stats.packets.Load()
	n0, _ := p.tickStats()
	waitFor(t, 5*time.Second, func() bool { n, _ := p.tickStats(); return n >= n0+8 })
	if got := l.stats.packets.Load(); got != held {
		t.Fatalf("%d packets sent while paused", got-held)
	}
	l.paused.Store(false)
	s.waitCount(t, int(held)+3, 5*time.Second)
	l.stop.Store(true)
	<-l.done
	s.mu.Lock()
	defer s.mu.Unlock()
	resumed, prev := s.pkts[held], s.pkts[held-1]
	// A hold leaves no sequence gap; a stall of the busy host may have made
	// the worker skip (and count) a few packets.
	gap := uint64(resumed.SequenceNumber - prev.SequenceNumber)
	if !resumed.Marker || gap < 1 || gap > 1+l.stats.skipped.Load() || resumed.Timestamp-prev.Timestamp < 8*160 {
		t.Fatalf("resume: %+v after %+v", resumed.Header, prev.Header)
	}
}

// BenchmarkSendPacket measures the per-packet send path without the
// syscall: header rewrite, payload copy and, for SRTP, encryption.
func BenchmarkSendPacket(b *testing.B) {
	for _, suite := range append([]sdes.Suite{""}, sdes.Suites()...) {
		name := string(suite)
		if name == "" {
			name = "RTP"
		}
		b.Run(name, func(b *testing.B) {
			l, _ := testLeg(b, suite, 1<<40)
			b.ReportAllocs()
			b.SetBytes(int64(len(l.pkt)))
			for b.Loop() {
				if _, err := l.build(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
