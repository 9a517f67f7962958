package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// liveSession is a session on a started engine with real sockets.
type liveSession struct {
	eng  *Engine
	s    *Session
	sink *recordSink
}

func newLiveSession(t *testing.T, e *Engine) *liveSession {
	t.Helper()
	// The engine outlives subtests: it stops at its Close in cleanup.
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sink := newRecordSink()
	s := e.NewSession(fmt.Sprintf("%s-%p", t.Name(), sink), sink)
	t.Cleanup(func() { _ = s.Close() })
	return &liveSession{eng: e, s: s, sink: sink}
}

func (l *liveSession) add(t *testing.T, port int, ch Channel, key *SRTPParams) *Stream {
	t.Helper()
	st, err := l.s.AddStream(StreamParams{
		Label: ch.String(), Port: port, Peer: netip.AddrPortFrom(loopback, 0),
		Payloads: pcmu(), Channel: ch, SRTP: key,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// played counts the samples of a channel that were not concealed.
func played(frames []Frame, ch int) int {
	n := 0
	for _, f := range frames {
		n += len(f.Samples)/2 - f.Missing[ch]
	}
	return n
}

func TestEndToEndTwoTones(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 16, nil)
	l := newLiveSession(t, e)
	ports, err := e.Ports().Allocate(2)
	if err != nil {
		t.Fatal(err)
	}
	if ports[1] != ports[0]+2 {
		t.Fatalf("ports %v not contiguous", ports)
	}
	ext := l.add(t, ports[0], ChannelExternal, nil)
	inner := l.add(t, ports[1], ChannelInternal, nil)
	if err := l.s.Activate(); err != nil {
		t.Fatal(err)
	}
	a := newSender(t, ports[0], 0x1111, 440, nil)
	b := newSender(t, ports[1], 0x2222, 1000, nil)
	const packets = 50 // 1 s
	pace(packets, a, b)
	frames := l.sink.waitFor(t, 10*time.Second, "all audio played", func(f []Frame) bool {
		return played(f, 0) >= packets*160 && played(f, 1) >= packets*160
	}, func() string { return fmt.Sprintf("%+v\n%+v", ext.Stats(), inner.Stats()) })
	if err := l.s.Close(); err != nil {
		t.Fatal(err)
	}

	for i, f := range frames {
		if f.Seq != uint64(i) || f.Start != time.Duration(i)*20*time.Millisecond || len(f.Samples) != 320 {
			t.Fatalf("frame %d: seq %d start %v len %d", i, f.Seq, f.Start, len(f.Samples))
		}
	}
	for ch, want := range []struct{ on, off float64 }{{440, 1000}, {1000, 440}} {
		pcm, _ := channelOf(frames, ch)
		on, off := goertzel(pcm, want.on, SampleRate), goertzel(pcm, want.off, SampleRate)
		t.Logf("channel %d: %v Hz power %.3g, %v Hz power %.3g", ch, want.on, on, want.off, off)
		if on < 1000*off || on < 1e5 {
			t.Errorf("channel %d does not carry the %v Hz tone alone", ch, want.on)
		}
		if got := played(frames, ch); got != packets*160 {
			t.Errorf("channel %d played %d samples, want %d (1 s)", ch, got, packets*160)
		}
	}
	for _, st := range []*Stream{ext, inner} {
		s := st.Stats()
		if s.Packets != packets || s.Expected != packets || s.Lost != 0 || s.Late != 0 || len(s.Dropped) != 0 || s.Codec != "PCMU" {
			t.Errorf("stream %s: %+v", s.Label, s)
		}
	}
	stats := l.s.Stats()
	if stats.State != "closed" || len(stats.Streams) != 2 || stats.Frames != uint64(len(frames)) {
		t.Errorf("session stats %+v", stats)
	}
	// The only gaps are before the first packet and after the last, unless
	// the machine stalled the sender beyond the playout delay (then the
	// buffer re-anchors, by design, and the audio resumes after a gap).
	if stats.Streams[0].Reanchors+stats.Streams[1].Reanchors > 0 {
		t.Logf("scheduling stall re-anchored the buffer: gaps %+v", stats.Gaps)
		return
	}
	for _, g := range stats.Gaps {
		if g.Start > e2eDelay+100*time.Millisecond && g.Start < time.Second {
			t.Errorf("gap in the middle of the audio: %+v", g)
		}
	}
}

func TestEndToEndSRTP(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 16, nil)
	for name, prof := range srtpProfiles {
		t.Run(name, func(t *testing.T) {
			l := newLiveSession(t, e)
			key := testKey(t, prof, 11)
			st := l.add(t, 0, ChannelInternal, key)
			if err := l.s.Activate(); err != nil {
				t.Fatal(err)
			}
			snd := newSender(t, st.Port(), 0xabc, 1000, key)
			// A burst of 8 packets (160 ms) fits the jitter buffer's headroom.
			for range 8 {
				snd.send(snd.packet())
			}
			bad := snd.packet()
			bad[len(bad)-1] ^= 0xff
			snd.send(bad)
			waitStats(t, st, "8 packets and one auth failure", func(s StreamStats) bool {
				return s.Packets == 8 && s.Dropped["srtp_auth_fail"] == 1
			})
			frames := l.sink.waitFor(t, 10*time.Second, "the burst played", func(f []Frame) bool {
				return played(f, 1) >= 8*160
			})
			pcm, _ := channelOf(frames, 1)
			if goertzel(pcm, 1000, SampleRate) < 1000*goertzel(pcm, 440, SampleRate) {
				t.Error("decrypted audio is not the 1 kHz tone")
			}
		})
	}
}

func TestPacketsDroppedUntilActive(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 8, nil)
	l := newLiveSession(t, e)
	st := l.add(t, 0, ChannelExternal, nil)
	snd := newSender(t, st.Port(), 1, 440, nil)
	for range 5 {
		snd.send(snd.packet())
	}
	waitStats(t, st, "inactive drops", func(s StreamStats) bool { return s.Dropped["inactive"] == 5 })
	if err := l.s.Activate(); err != nil {
		t.Fatal(err)
	}
	snd.send(snd.packet())
	s := waitStats(t, st, "an accepted packet", func(s StreamStats) bool { return s.Packets == 1 })
	if s.Dropped["inactive"] != 5 {
		t.Fatalf("stats %+v", s)
	}
}

func TestWrongSourceOverUDP(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 8, nil)
	l := newLiveSession(t, e)
	st := l.add(t, 0, ChannelExternal, nil) // peer 127.0.0.1, any port
	if err := l.s.Activate(); err != nil {
		t.Fatal(err)
	}
	good := newSender(t, st.Port(), 1, 440, nil)
	good.send(good.packet())
	waitStats(t, st, "the latch", func(s StreamStats) bool { return s.Packets == 1 })

	otherPort := newSender(t, st.Port(), 1, 440, nil)
	otherPort.send(good.packet())
	// 127.0.0.2 is loopback too on Linux, but not the negotiated peer.
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Skipf("no 127.0.0.2: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.WriteToUDP(good.packet(), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: st.Port()}); err != nil {
		t.Fatal(err)
	}
	s := waitStats(t, st, "two wrong-source drops", func(s StreamStats) bool { return s.Dropped["wrong_source"] == 2 })
	if s.Packets != 1 || s.Source != good.addr() {
		t.Fatalf("stats %+v", s)
	}
}

func TestSessionCloseReleasesPorts(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 8, nil)
	free := e.Ports().Free()
	l := newLiveSession(t, e)
	ports, err := e.Ports().Allocate(2)
	if err != nil {
		t.Fatal(err)
	}
	l.add(t, ports[0], ChannelExternal, nil)
	l.add(t, ports[1], ChannelInternal, nil)
	if err := l.s.Activate(); err != nil {
		t.Fatal(err)
	}
	if got := e.Ports().Free(); got != free-2 {
		t.Fatalf("Free = %d, want %d", got, free-2)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := l.s.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := e.Ports().Free(); got != free {
		t.Fatalf("Free after Close = %d, want %d", got, free)
	}
	// The ports are really free: they bind again.
	for _, p := range ports {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			t.Fatalf("port %d still bound after Close: %v", p, err)
		}
		_ = c.Close()
	}
	for _, err := range []error{l.s.Activate(), l.s.Pause(), l.s.Resume(), l.s.Deactivate()} {
		if !errors.Is(err, ErrSessionClosed) {
			t.Fatalf("after Close: %v", err)
		}
	}
	if _, err := l.s.AddStream(StreamParams{Payloads: pcmu()}); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("AddStream after Close: %v", err)
	}
}

func TestAddStreamErrors(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, MaxStreams+1, nil)
	s := e.NewSession("errs", nil)
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.AddStream(StreamParams{Port: e.p.portLo, Payloads: pcmu()}); !errors.Is(err, ErrPortNotAllocated) {
		t.Fatalf("unleased port: %v", err)
	}
	if _, err := s.AddStream(StreamParams{Port: 80, Payloads: pcmu()}); !errors.Is(err, ErrPortNotAllocated) {
		t.Fatalf("port outside the range: %v", err)
	}
	if _, err := s.AddStream(StreamParams{}); !errors.Is(err, ErrParams) {
		t.Fatalf("no payloads: %v", err)
	}
	for range MaxStreams {
		if _, err := s.AddStream(StreamParams{Payloads: pcmu()}); err != nil {
			t.Fatal(err)
		}
	}
	ports, err := e.Ports().Allocate(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStream(StreamParams{Port: ports[0], Payloads: pcmu()}); !errors.Is(err, ErrTooManyStreams) {
		t.Fatalf("stream %d: %v", MaxStreams+1, err)
	}
	// The failed AddStream left the lease with the caller, still usable.
	s2 := e.NewSession("errs2", nil)
	t.Cleanup(func() { _ = s2.Close() })
	if _, err := s2.AddStream(StreamParams{Port: ports[0], Payloads: pcmu()}); err != nil {
		t.Fatalf("lease unusable after a failed AddStream: %v", err)
	}
	if _, err := s2.AddStream(StreamParams{Payloads: pcmu()}); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("full pool: %v", err)
	}
}

func TestManySessions(t *testing.T) {
	checkNoLeaks(t)
	const n = 30
	e := newTestEngine(t, 2*n, nil)
	if err := e.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	type call struct {
		s      *Session
		sink   *recordSink
		sender [2]*sender
	}
	calls := make([]call, n)
	var all []*sender
	for i := range calls {
		c := &calls[i]
		c.sink = newRecordSink()
		c.s = e.NewSession(fmt.Sprint("call-", i), c.sink)
		ports, err := e.Ports().Allocate(2)
		if err != nil {
			t.Fatal(err)
		}
		for ch, freq := range []float64{440, 1000} {
			if _, err := c.s.AddStream(StreamParams{Port: ports[ch], Peer: netip.AddrPortFrom(loopback, 0), Payloads: pcmu(), Channel: Channel(ch)}); err != nil {
				t.Fatal(err)
			}
			c.sender[ch] = newSender(t, ports[ch], uint32(1000*i+ch+1), freq, nil)
			all = append(all, c.sender[ch])
		}
		if err := c.s.Activate(); err != nil {
			t.Fatal(err)
		}
	}
	const packets = 15
	pace(packets, all...)
	for i, c := range calls {
		frames := c.sink.waitFor(t, 10*time.Second, fmt.Sprint("call ", i), func(f []Frame) bool {
			return played(f, 0) >= packets*160 && played(f, 1) >= packets*160
		}, func() string { return fmt.Sprintf("%+v", c.s.Stats()) })
		l, _ := channelOf(frames, 0)
		r, _ := channelOf(frames, 1)
		if goertzel(l, 440, SampleRate) < 100*goertzel(l, 1000, SampleRate) ||
			goertzel(r, 1000, SampleRate) < 100*goertzel(r, 440, SampleRate) {
			t.Errorf("call %d: channels mixed up", i)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.Ports().Free(); got != 2*n {
		t.Fatalf("Free after engine Close = %d, want %d", got, 2*n)
	}
	if err := calls[0].s.Close(); err != nil {
		t.Fatalf("Close after engine Close: %v", err)
	}
}

func TestEngineConfig(t *testing.T) {
	tests := map[string]struct {
		cfg EngineConfig
		ok  bool
	}{
		"defaults":        {EngineConfig{Address: loopback, Ports: "20000-29999"}, true},
		"10 ms frames":    {EngineConfig{Address: loopback, Ports: "20000-29999", FramePeriod: 10 * time.Millisecond}, true},
		"2 s delay":       {EngineConfig{Address: loopback, Ports: "20000-29999", PlayoutDelay: 2 * time.Second}, true},
		"IPv6":            {EngineConfig{Address: netip.IPv6Loopback(), Ports: "20000-29999"}, true},
		"no address":      {EngineConfig{Ports: "20000-29999"}, false},
		"bad ports":       {EngineConfig{Address: loopback, Ports: "1-0"}, false},
		"partial sample":  {EngineConfig{Address: loopback, Ports: "20000-29999", FramePeriod: 20*time.Millisecond + 1}, false},
		"frames too long": {EngineConfig{Address: loopback, Ports: "20000-29999", FramePeriod: time.Second}, false},
		"delay too long":  {EngineConfig{Address: loopback, Ports: "20000-29999", PlayoutDelay: 3 * time.Second}, false},
		"negative delay":  {EngineConfig{Address: loopback, Ports: "20000-29999", PlayoutDelay: -1}, false},
		"workers":         {EngineConfig{Address: loopback, Ports: "20000-29999", Workers: 1000}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := NewEngine(tc.cfg, nil, nil)
			if !tc.ok {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.p.ringSize&(e.p.ringSize-1) != 0 || e.p.ringSize < e.p.highWater+maxPacketSamples+e.p.frameSamples {
				t.Fatalf("ring %d too small for high water %d", e.p.ringSize, e.p.highWater)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEngineLifecycle(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 4, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	leaked, err := e.Ports().Allocate(1) // a lease the SIP layer never used
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := e.Start(ctx); !errors.Is(err, ErrEngineClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: leaked[0]})
	if err != nil {
		t.Fatalf("engine Close left the unused lease bound: %v", err)
	}
	_ = c.Close()
	s := e.NewSession("late", nil)
	if _, err := s.AddStream(StreamParams{Payloads: pcmu()}); !errors.Is(err, ErrSessionClosed) {
		t.Fatalf("AddStream on a closed engine: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestControlWhileReceiving exercises Update, SetChannel, Stats, Pause and
// Resume from other goroutines while packets flow, for the race detector.
func TestControlWhileReceiving(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 8, nil)
	l := newLiveSession(t, e)
	st := l.add(t, 0, ChannelExternal, nil)
	if err := l.s.Activate(); err != nil {
		t.Fatal(err)
	}
	snd := newSender(t, st.Port(), 9, 440, nil)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			_ = st.Update(StreamParams{Peer: netip.AddrPortFrom(loopback, 0), Payloads: pcmu(), Channel: Channel(i % 2)})
			_ = st.SetChannel(Channel((i + 1) % 2))
			_ = l.s.Stats()
			if i%10 == 0 {
				_ = l.s.Pause()
				_ = l.s.Resume()
			}
			time.Sleep(time.Millisecond) // pace the control loop; nothing to await
		}
	})
	pace(20, snd)
	waitStats(t, st, "all packets", func(s StreamStats) bool { return s.Packets == 20 })
	close(done)
	wg.Wait()
	if err := l.s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCloseReadsQueuedPackets: packets already delivered to the socket when
// the session closes (the SBC's last packets race its BYE) are still read
// and counted, not discarded with the socket.
func TestCloseReadsQueuedPackets(t *testing.T) {
	checkNoLeaks(t)
	e := newTestEngine(t, 8, nil)
	l := newLiveSession(t, e)
	st := l.add(t, 0, ChannelExternal, nil)
	if err := l.s.Activate(); err != nil {
		t.Fatal(err)
	}
	snd := newSender(t, st.Port(), 7, 440, nil)
	const n = 200
	for range n {
		snd.send(snd.packet()) // on loopback the datagram is queued when this returns
	}
	if err := l.s.Close(); err != nil {
		t.Fatal(err)
	}
	if s := st.Stats(); s.Packets != n {
		t.Fatalf("after Close: %d packets counted of %d queued (dropped %v)", s.Packets, n, s.Dropped)
	}
}
