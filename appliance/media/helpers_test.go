package media

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// testPortRange returns a range of pairs ports above the kernel's
// ephemeral range, at a random offset so a port held by something else on
// the machine is unlikely (and skipped by the pool anyway).
func testPortRange(pairs int) string {
	lo := 61000 + 2*rand.IntN((65534-61000-2*pairs)/2)
	return fmt.Sprintf("%d-%d", lo, lo+2*pairs-1)
}

// checkNoLeaks fails the test if, once it is cleaned up, goroutines of this
// package are still running or the goroutine count did not settle back.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			stacks := goroutineStacks()
			ours := strings.Count(stacks, "media.(*Stream).routineReceive") +
				strings.Count(stacks, "media.(*Engine).routineClock")
			if ours == 0 && runtime.NumGoroutine() <= base {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("goroutine leak: %d package goroutines, %d total (was %d)\n%s",
					ours, runtime.NumGoroutine(), base, stacks)
				return
			}
			runtime.Gosched()
			time.Sleep(10 * time.Millisecond) // polling the scheduler; there is no event to await
		}
	})
}

func goroutineStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// recordSink keeps a copy of every frame.
type recordSink struct {
	mu      sync.Mutex
	frames  []Frame
	changed chan struct{}
	err     error // returned by WriteFrame
}

func newRecordSink() *recordSink { return &recordSink{changed: make(chan struct{}, 1)} }

func (r *recordSink) WriteFrame(f *Frame) error {
	r.mu.Lock()
	c := *f
	c.Samples = append([]int16(nil), f.Samples...)
	r.frames = append(r.frames, c)
	err := r.err
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	return err
}

func (r *recordSink) snapshot() []Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Frame(nil), r.frames...)
}

// waitFor waits until cond holds, re-checking whenever the sink gets a
// frame, or fails after timeout, printing diag.
func (r *recordSink) waitFor(t *testing.T, timeout time.Duration, what string, cond func([]Frame) bool, diag ...func() string) []Frame {
	t.Helper()
	deadline := time.After(timeout)
	for {
		f := r.snapshot()
		if cond(f) {
			return f
		}
		select {
		case <-r.changed:
		case <-deadline:
			msg := fmt.Sprintf("timed out waiting for %s (%d frames, played %d/%d)", what, len(f), played(f, 0), played(f, 1))
			for _, d := range diag {
				msg += "\n" + d()
			}
			t.Fatal(msg)
		}
	}
}

// channel returns one channel of the frames, concatenated, and its
// concealed sample count.
func channelOf(frames []Frame, ch int) (pcm []float64, missing int) {
	for _, f := range frames {
		for i := ch; i < len(f.Samples); i += 2 {
			pcm = append(pcm, float64(f.Samples[i]))
		}
		missing += f.Missing[ch]
	}
	return pcm, missing
}

// goertzel returns the power of freq in x, normalised by length.
func goertzel(x []float64, freq, rate float64) float64 {
	w := 2 * math.Pi * freq / rate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := v + c*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return p / float64(len(x)*len(x))
}

// tone returns n samples of a sine at freq, starting at sample offset.
func tone(freq float64, amp float64, offset, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(offset+i)/SampleRate))
	}
	return out
}

// linearToULaw is the G.711 mu-law encoder, for building test streams.
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x, sign := int(s), 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

func ulawPayload(pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, s := range pcm {
		out[i] = linearToULaw(s)
	}
	return out
}

// rtpPacket marshals an RTP packet.
func rtpPacket(t testing.TB, seq uint16, ts, ssrc uint32, pt uint8, payload []byte) []byte {
	t.Helper()
	p := rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc},
		Payload: payload,
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testKey returns deterministic SRTP keying for a profile.
func testKey(t testing.TB, prof srtp.ProtectionProfile, seed byte) *SRTPParams {
	t.Helper()
	kl, err := prof.KeyLen()
	if err != nil {
		t.Fatal(err)
	}
	sl, _ := prof.SaltLen()
	key := bytes.Repeat([]byte{seed}, kl)
	salt := bytes.Repeat([]byte{seed + 1}, sl)
	for i := range key {
		key[i] += byte(i)
	}
	return &SRTPParams{Profile: prof, Key: key, Salt: salt}
}

// sender sends a PCMU tone as RTP (or SRTP) from its own UDP socket.
type sender struct {
	t    testing.TB
	conn *net.UDPConn
	to   *net.UDPAddr
	ssrc uint32
	seq  uint16
	ts   uint32
	freq float64
	n    int // samples sent
	srtp *srtp.Context
}

func newSender(t testing.TB, port int, ssrc uint32, freq float64, key *SRTPParams) *sender {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	s := &sender{t: t, conn: conn, to: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port},
		ssrc: ssrc, seq: uint16(ssrc), ts: ssrc * 7, freq: freq}
	if key != nil {
		ctx, err := srtp.CreateContext(key.Key, key.Salt, key.Profile)
		if err != nil {
			t.Fatal(err)
		}
		s.srtp = ctx
	}
	return s
}

func (s *sender) addr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// packet builds the next 20 ms packet and advances.
func (s *sender) packet() []byte {
	b := rtpPacket(s.t, s.seq, s.ts, s.ssrc, 0, ulawPayload(tone(s.freq, 8000, s.n, 160)))
	s.seq++
	s.ts += 160
	s.n += 160
	if s.srtp != nil {
		var err error
		if b, err = s.srtp.EncryptRTP(nil, b, nil); err != nil {
			s.t.Fatal(err)
		}
	}
	return b
}

func (s *sender) send(b []byte) {
	if _, err := s.conn.WriteToUDP(b, s.to); err != nil {
		s.t.Fatal(err)
	}
}

// pace sends count packets of each sender, one per 20 ms.
func pace(count int, senders ...*sender) {
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	for i := range count {
		if i > 0 {
			<-tk.C
		}
		for _, s := range senders {
			s.send(s.packet())
		}
	}
}

// e2eDelay is the playout delay of the tests that pace real packets over
// UDP: generous, because a loaded CI machine (and -race) can stall the
// sender or the receiver for a few hundred milliseconds, and a stall
// longer than the delay re-anchors the buffer by design.
const e2eDelay = 300 * time.Millisecond

// newTestEngine returns an engine on loopback, closed at cleanup.
func newTestEngine(t *testing.T, pairs int, mod func(*EngineConfig)) *Engine {
	t.Helper()
	cfg := EngineConfig{Address: loopback, Ports: testPortRange(pairs), PlayoutDelay: e2eDelay}
	if mod != nil {
		mod(&cfg)
	}
	e, err := NewEngine(cfg, nil, NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func pcmu() map[uint8]Codec {
	return map[uint8]Codec{0: CodecPCMU, 8: CodecPCMA, 101: CodecTelephoneEvent}
}

// waitStats waits until cond holds for the stream's stats.
func waitStats(t *testing.T, st *Stream, what string, cond func(StreamStats) bool) StreamStats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := st.Stats()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, s)
		}
		time.Sleep(2 * time.Millisecond) // the receive goroutine has no completion event to await
	}
}
