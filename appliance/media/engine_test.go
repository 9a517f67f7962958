package media

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// stallSink records frames and, once, sleeps in WriteFrame to make its
// clock worker late.
type stallSink struct {
	mu      sync.Mutex
	frames  []Frame
	stallAt uint64
	stall   time.Duration
}

func (s *stallSink) WriteFrame(f *Frame) error {
	s.mu.Lock()
	s.frames = append(s.frames, Frame{Seq: f.Seq, Start: f.Start, Missing: f.Missing})
	s.mu.Unlock()
	if f.Seq == s.stallAt && s.stall > 0 {
		time.Sleep(s.stall) // a misbehaving sink: the worker falls behind
	}
	return nil
}

// TestClockWorkersKeepTime runs the real clock workers on synctest's fake
// clock: frames arrive exactly on the period, a late tick is caught up,
// and nothing drifts.
func TestClockWorkersKeepTime(t *testing.T) {
	tests := map[string]struct {
		stall    time.Duration
		lateTick bool
	}{
		"on time":             {0, false},
		"one tick 90 ms late": {90 * time.Millisecond, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := NewMetrics(nil)
				e, err := NewEngine(EngineConfig{Address: loopback, Ports: "20000-20001", Workers: 2}, nil, m)
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				sinks := []*stallSink{{stallAt: 10, stall: tc.stall}, {}}
				var sessions []*Session
				for i, sink := range sinks {
					s := e.NewSession(string(rune('a'+i)), sink)
					if err := s.Activate(); err != nil {
						t.Fatal(err)
					}
					sessions = append(sessions, s)
				}
				zero := sessions[0].clockZero
				time.Sleep(2*time.Second + 5*time.Millisecond)
				synctest.Wait()
				due := int(time.Since(zero) / (20 * time.Millisecond))
				for i, sink := range sinks {
					sink.mu.Lock()
					frames := sink.frames
					sink.mu.Unlock()
					if len(frames) != due {
						t.Errorf("session %d: %d frames after %v, want %d", i, len(frames), time.Since(zero), due)
					}
					for k, f := range frames {
						if f.Seq != uint64(k) || f.Start != time.Duration(k)*20*time.Millisecond {
							t.Fatalf("session %d frame %d: seq %d start %v", i, k, f.Seq, f.Start)
						}
					}
				}
				if late := metricValue(m.lateTicks) > 0; late != tc.lateTick {
					t.Errorf("late ticks counted: %v, want %v", late, tc.lateTick)
				}
				if tc.lateTick && metricValue(m.catchUp) == 0 {
					t.Error("no catch-up frames counted after a late tick")
				}
				if err := e.Close(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
