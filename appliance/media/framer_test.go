package media

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestClockCatchUp(t *testing.T) {
	h := newSessHarness(t)
	h.stream(StreamParams{})
	h.activate()
	zero := h.s.clockZero
	const period = 20 * time.Millisecond

	// One tick a second late produces the whole second of frames.
	h.advance(time.Second)
	h.s.tick(h.now)
	frames := h.sink.snapshot()
	if want := int(h.now.Sub(zero) / period); len(frames) != want {
		t.Fatalf("%d frames after 1 s, want %d", len(frames), want)
	}
	for i, f := range frames {
		if f.Seq != uint64(i) || f.Start != time.Duration(i)*period {
			t.Fatalf("frame %d: seq %d start %v", i, f.Seq, f.Start)
		}
	}
	// Ticking again at the same time produces nothing.
	h.s.tick(h.now)
	if n := len(h.sink.snapshot()); n != len(frames) {
		t.Fatalf("a second tick at the same time produced %d frames", n-len(frames))
	}
	if got := metricValue(h.eng.m.catchUp); got != float64(len(frames)-1) {
		t.Fatalf("catch-up frames metric %v", got)
	}

	// A 10 s stall is beyond maxCatchUp: only the last 2 s are produced,
	// still on the clock grid.
	h.advance(10 * time.Second)
	h.s.tick(h.now)
	all := h.sink.snapshot()
	late := all[len(frames):]
	if len(late) != int(maxCatchUp/period) {
		t.Fatalf("%d frames after a 10 s stall, want %d", len(late), maxCatchUp/period)
	}
	due := int64(h.now.Sub(zero) / period)
	if last := late[len(late)-1]; last.Start != time.Duration(due-1)*period || last.Seq != uint64(len(all)-1) {
		t.Fatalf("last frame seq %d start %v, want start %v", last.Seq, last.Start, time.Duration(due-1)*period)
	}
	if metricValue(h.eng.m.skipped) == 0 {
		t.Fatal("skipped frames not counted")
	}
}

func TestCloseFlushesBufferedAudio(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	a := &src{ssrc: 1}
	for range 10 {
		st.handlePacket(a.next(t, 0x80), peerA, h.now)
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	// 60 ms of audio is still in the jitter buffer.
	before := played(h.sink.snapshot(), 0)
	if before >= 1600 {
		t.Fatalf("everything played before Close (%d)", before)
	}
	if err := h.s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := played(h.sink.snapshot(), 0); got != 1600 {
		t.Fatalf("played %d samples after the flush, want 1600", got)
	}
	stats := h.s.Stats()
	if stats.State != "closed" || stats.Streams[0].Packets != 10 {
		t.Fatalf("stats %+v", stats)
	}
}

func TestMixAndChannels(t *testing.T) {
	h := newSessHarness(t)
	s1 := h.stream(StreamParams{Channel: ChannelExternal})
	s2 := h.stream(StreamParams{Channel: ChannelExternal, Peer: peerB})
	h.activate()
	a, b := &src{ssrc: 1}, &src{ssrc: 2}
	step := func(n int) {
		for range n {
			s1.handlePacket(a.next(t, 0x80), peerA, h.now) // +32124
			s2.handlePacket(b.next(t, 0x80), peerB, h.now) // +32124
			h.advance(20 * time.Millisecond)
			h.s.tick(h.now)
		}
	}
	step(10)
	frames := h.sink.snapshot()
	f := frames[len(frames)-1]
	if f.Samples[0] != 32767 || f.Missing[0] != 0 {
		t.Fatalf("two legs on one channel: %d, want saturation at 32767", f.Samples[0])
	}
	// A transfer moves the second leg to the other side.
	if err := s2.SetChannel(ChannelInternal); err != nil {
		t.Fatal(err)
	}
	step(10)
	frames = h.sink.snapshot()
	f = frames[len(frames)-1]
	if f.Samples[0] != 32124 || f.Samples[1] != 32124 || f.Missing != [2]int{} {
		t.Fatalf("after SetChannel: L %d R %d missing %v", f.Samples[0], f.Samples[1], f.Missing)
	}
}

func TestGapsReported(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	a := &src{ssrc: 1}
	for i := range 20 {
		p := a.next(t, 0x80)
		if i != 7 && i != 8 { // two packets lost: 40 ms of silence
			st.handlePacket(p, peerA, h.now)
		}
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	if err := h.s.Close(); err != nil {
		t.Fatal(err)
	}
	stats := h.s.Stats()
	var mid []Gap
	for _, g := range stats.Gaps {
		if g.Channel == ChannelExternal && g.Start > 80*time.Millisecond && g.Start+g.Duration < 400*time.Millisecond {
			mid = append(mid, g)
		}
	}
	if len(mid) != 1 || mid[0].Duration != 40*time.Millisecond {
		t.Fatalf("gaps %+v, want one 40 ms gap on the external channel", stats.Gaps)
	}
	if stats.Streams[0].Lost != 2 || stats.Concealed[0] == 0 {
		t.Fatalf("stats %+v", stats)
	}
	// The internal channel has no stream: it is all gap.
	var internal time.Duration
	for _, g := range stats.Gaps {
		if g.Channel == ChannelInternal {
			internal += g.Duration
		}
	}
	if want := time.Duration(stats.Frames) * 20 * time.Millisecond; internal != want {
		t.Fatalf("internal gaps total %v, want %v", internal, want)
	}
}

func TestSinkErrorsAreCounted(t *testing.T) {
	h := newSessHarness(t)
	h.sink.err = errors.New("relay buffer full")
	h.stream(StreamParams{})
	h.activate()
	h.advance(200 * time.Millisecond)
	h.s.tick(h.now)
	n := len(h.sink.snapshot())
	if n < 9 || metricValue(h.eng.m.sinkErrors) != float64(n) {
		t.Fatalf("%d frames, %v errors counted", n, metricValue(h.eng.m.sinkErrors))
	}
}

func TestDeactivateStopsFrames(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	h.advance(100 * time.Millisecond)
	h.s.tick(h.now)
	n := len(h.sink.snapshot())
	if err := h.s.Deactivate(); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Second)
	st.handlePacket(rtpPacket(t, 1, 1, 1, 0, make([]byte, 160)), peerA, h.now)
	h.s.tick(h.now)
	if got := len(h.sink.snapshot()); got != n {
		t.Fatalf("%d frames while inactive", got-n)
	}
	if err := h.s.Activate(); err != nil {
		t.Fatal(err)
	}
	h.advance(100 * time.Millisecond)
	h.s.tick(h.now)
	frames := h.sink.snapshot()
	if len(frames) <= n || frames[n].Start < time.Second {
		t.Fatalf("frames after re-activation: %d, start %v", len(frames)-n, frames[n].Start)
	}
	if s := h.s.Stats(); s.Held < time.Second || s.State != "active" || st.Stats().Dropped["inactive"] != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestSessionStatsJSON(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{Label: "leg1"})
	h.activate()
	st.handlePacket(rtpPacket(t, 1, 1, 0xabc, 0, make([]byte, 160)), peerA, h.now)
	st.handlePacket([]byte{1, 2, 3}, peerA, h.now)
	h.advance(200 * time.Millisecond)
	h.s.tick(h.now)
	b, err := json.Marshal(h.s.Stats())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"id":"test"`, `"state":"active"`, `"label":"leg1"`, `"channel":"external"`,
		`"source":"10.0.0.1:4000"`, `"ssrc":2748`, `"dropped":{"bad_rtp":1}`,
		`"gaps":[{"channel":"external","start_ns":0,`, `"concealed_samples":[`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}
