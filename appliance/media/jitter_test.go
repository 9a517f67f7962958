package media

import (
	"math"
	"testing"
)

// identityTable maps a payload byte to the sample of the same value, so a
// test can tell which packet a sample came from.
func identityTable() *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = int16(i)
	}
	return &t
}

type jbHarness struct {
	t  *testing.T
	jb jitterBuffer
	p  engineParams
}

func newJB(t *testing.T) *jbHarness {
	t.Helper()
	p, err := EngineConfig{Address: loopback, Ports: "20000-20001"}.validate()
	if err != nil {
		t.Fatal(err)
	}
	h := &jbHarness{t: t, p: p, jb: newJitterBuffer(&p)}
	h.jb.seek(0)
	return h
}

// put places a 160-sample packet whose samples all equal mark.
func (h *jbHarness) put(ts uint32, nowPos int64, newest bool, mark byte) placeResult {
	pos, skip, res := h.jb.place(ts, 160, nowPos, newest)
	if res == placeOK {
		payload := make([]byte, 160)
		for i := range payload {
			payload[i] = mark
		}
		h.jb.writeTable(pos+int64(skip), payload[skip:], identityTable())
	}
	return res
}

// frame reads the 160 samples at pos and returns the mark of each sample
// (-1 where missing).
func (h *jbHarness) frame(pos int64) []int {
	acc := make([]int32, 160)
	have := make([]uint8, 160)
	h.jb.read(pos, acc, have)
	out := make([]int, 160)
	for i := range out {
		out[i] = -1
		if have[i] != 0 {
			out[i] = int(acc[i])
		}
	}
	return out
}

func uniform(t *testing.T, got []int, want int) {
	t.Helper()
	for i, v := range got {
		if v != want {
			t.Fatalf("sample %d = %d, want %d (frame %v...)", i, v, want, got[:4])
		}
	}
}

func TestJitterBufferPlacement(t *testing.T) {
	const d = 480 // default playout delay in samples
	type pkt struct {
		seq    int // ts = seq*160; the packet's samples are seq+1
		arrive int64
		newest bool
	}
	tests := map[string]struct {
		pkts []pkt
		want []int // mark per frame at d, d+160, ...; -1 missing
		late uint64
	}{
		"in order": {
			pkts: []pkt{{0, 0, true}, {1, 160, true}, {2, 320, true}},
			want: []int{1, 2, 3},
		},
		"reordered": {
			pkts: []pkt{{0, 0, true}, {2, 320, true}, {1, 330, false}},
			want: []int{1, 2, 3},
		},
		"duplicate": {
			pkts: []pkt{{0, 0, true}, {1, 160, true}, {1, 170, false}, {2, 320, true}},
			want: []int{1, 2, 3},
		},
		"loss is silence": {
			pkts: []pkt{{0, 0, true}, {2, 320, true}},
			want: []int{1, -1, 3},
		},
		"jitter within the delay": {
			pkts: []pkt{{0, 0, true}, {1, 160 + 400, true}, {2, 320 + 100, true}},
			want: []int{1, 2, 3},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newJB(t)
			for _, p := range tc.pkts {
				if res := h.put(uint32(p.seq*160), p.arrive, p.newest, byte(p.seq+1)); res != placeOK {
					t.Fatalf("packet %d: %v", p.seq, res)
				}
			}
			for i, want := range tc.want {
				uniform(t, h.frame(int64(d+160*i)), want)
			}
			if h.jb.late != tc.late || h.jb.reanchors != 0 {
				t.Fatalf("late %d reanchors %d", h.jb.late, h.jb.reanchors)
			}
		})
	}
}

func TestJitterBufferLatePacket(t *testing.T) {
	h := newJB(t)
	h.put(0, 0, true, 1)
	h.put(320, 320, true, 3)
	uniform(t, h.frame(480), 1)
	uniform(t, h.frame(640), -1) // packet 2 not there yet: silence
	if res := h.put(160, 700, false, 2); res != placeLate {
		t.Fatalf("late packet: %v", res)
	}
	uniform(t, h.frame(800), 3)
	if h.jb.late != 1 {
		t.Fatalf("late = %d", h.jb.late)
	}
}

func TestJitterBufferReanchors(t *testing.T) {
	tests := map[string]struct {
		ts     uint32
		arrive int64
	}{
		"timestamp jumps forward 10 s": {160 + 80000, 160},
		"timestamp jumps back 10 s":    {1<<32 - 80000 + 160, 160},
		"timestamp wraps far":          {1 << 31, 160},
		"sender stalled 300 ms":        {160, 160 + 2400},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newJB(t)
			h.put(0, 0, true, 1)
			// The clock reads every frame due before the next arrival.
			var f int64
			for ; (f+1)*160 <= tc.arrive; f++ {
				h.frame(f * 160)
			}
			if res := h.put(tc.ts, tc.arrive, true, 2); res != placeOK {
				t.Fatalf("after the jump: %v", res)
			}
			if h.jb.reanchors != 1 {
				t.Fatalf("reanchors = %d, want 1", h.jb.reanchors)
			}
			// Re-anchored at arrival + delay.
			start := tc.arrive + 480
			for ; f*160 < start+160; f++ {
				got := h.frame(f * 160)
				for i, v := range got {
					pos := f*160 + int64(i)
					if want := pos >= start && pos < start+160; (v == 2) != want {
						t.Fatalf("position %d: mark %d; audio must be at %d-%d", pos, v, start, start+160)
					}
				}
			}
		})
	}
}

func TestJitterBufferTimestampWraparound(t *testing.T) {
	h := newJB(t)
	base := uint32(math.MaxUint32 - 200)
	for i := range 4 {
		if res := h.put(base+uint32(160*i), int64(160*i), true, byte(i+1)); res != placeOK {
			t.Fatal(res)
		}
	}
	for i := range 4 {
		uniform(t, h.frame(int64(480+160*i)), i+1)
	}
	if h.jb.reanchors != 0 {
		t.Fatalf("reanchors = %d across the wrap", h.jb.reanchors)
	}
}

// TestJitterBufferDrift runs a sender whose clock is off by ±1% against the
// session clock for a simulated minute: the fill level drifts out of bounds
// now and then, the buffer re-anchors, and audio keeps flowing.
func TestJitterBufferDrift(t *testing.T) {
	tests := map[string]struct {
		ppm int64 // sender clock error; +: fast sender
	}{
		"fast sender": {+10000},
		"slow sender": {-10000},
		"exact clock": {0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newJB(t)
			const packets = 3000 // 60 s
			var frame int64
			missing, frames := 0, 0
			for k := range int64(packets) {
				// Packet k is sent at k*20 ms of the sender's clock.
				arrive := k * 160 * 1_000_000 / (1_000_000 + tc.ppm)
				// Read every frame due before this arrival (frame f is due
				// once the clock passes its end).
				for (frame+1)*160 <= arrive {
					for _, v := range h.frame(frame * 160) {
						if v < 0 {
							missing++
						}
					}
					frames++
					frame++
				}
				h.put(uint32(k*160), arrive, true, byte(k%200+1))
			}
			r := h.jb.reanchors
			t.Logf("reanchors %d, missing %.2f%% of %d frames", r, 100*float64(missing)/float64(frames*160), frames)
			if tc.ppm == 0 && r != 0 {
				t.Fatalf("exact clock re-anchored %d times", r)
			}
			if tc.ppm != 0 && r == 0 {
				t.Fatal("drifting clock never re-anchored")
			}
			if float64(missing) > 0.05*float64(frames*160) {
				t.Fatalf("%d of %d samples missing", missing, frames*160)
			}
			if h.jb.overruns != 0 {
				t.Fatalf("overruns = %d", h.jb.overruns)
			}
		})
	}
}

func TestJitterBufferSeekAndUnanchor(t *testing.T) {
	h := newJB(t)
	h.put(0, 0, true, 1)
	// A new source: what is buffered still plays, the new one anchors anew.
	h.jb.unanchor()
	h.put(987654, 160, true, 9)
	uniform(t, h.frame(480), 1)
	uniform(t, h.frame(640), 9)
	// seek (activation, resume) forgets everything.
	h.put(987654+160, 320, true, 7)
	h.jb.seek(100000)
	uniform(t, h.frame(100000), -1)
}
