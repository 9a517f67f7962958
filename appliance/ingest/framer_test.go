package ingest

import (
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/relay"
)

type got struct {
	seq     uint64
	start   time.Duration
	first   int16
	missing int
}

func collect(out *[]got) func(*relay.Frame) {
	return func(f *relay.Frame) {
		if len(f.Samples) != 2*frameSamples {
			panic("frame size")
		}
		*out = append(*out, got{f.Seq, f.Start, f.Samples[0], f.Missing[0]})
	}
}

// ramp returns n stereo samples whose left value counts from v.
func ramp(v, n int) []int16 {
	s := make([]int16, 2*n)
	for i := range n {
		s[2*i] = int16(v + i)
	}
	return s
}

func TestFramer(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		writes []struct {
			pos time.Duration
			n   int
		}
		flush bool
		want  []got
	}{
		{
			name: "100 ms AudioHook frame becomes five 20 ms frames",
			writes: []struct {
				pos time.Duration
				n   int
			}{{5 * time.Second, 800}},
			want: []got{{0, 0, 0, 0}, {1, 20 * ms, 160, 0}, {2, 40 * ms, 320, 0}, {3, 60 * ms, 480, 0}, {4, 80 * ms, 640, 0}},
		},
		{
			name: "odd sizes carry over",
			writes: []struct {
				pos time.Duration
				n   int
			}{{0, 100}, {100 * time.Second / 8000, 100}, {200 * time.Second / 8000, 200}},
			want: []got{{0, 0, 0, 0}, {1, 20 * ms, 160, 0}},
		},
		{
			name: "a pause flushes the partial frame and jumps",
			writes: []struct {
				pos time.Duration
				n   int
			}{{0, 240}, {1 * time.Second, 160}},
			want: []got{{0, 0, 0, 0}, {1, 20 * ms, 160, 80}, {2, time.Second, 240, 0}},
		},
		{
			name: "flush pads the tail with silence",
			writes: []struct {
				pos time.Duration
				n   int
			}{{0, 200}},
			flush: true,
			want:  []got{{0, 0, 0, 0}, {1, 20 * ms, 160, 120}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f framer
			var out []got
			v := 0
			for _, w := range tt.writes {
				f.write(w.pos, ramp(v, w.n), collect(&out))
				v += w.n
			}
			if tt.flush {
				f.flush(collect(&out))
			}
			if len(out) != len(tt.want) {
				t.Fatalf("frames %+v, want %+v", out, tt.want)
			}
			for i := range out {
				if out[i] != tt.want[i] {
					t.Errorf("frame %d = %+v, want %+v", i, out[i], tt.want[i])
				}
			}
		})
	}
}
