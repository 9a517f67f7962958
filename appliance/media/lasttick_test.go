package media

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// blockSink blocks its clock worker in WriteFrame until release closes.
type blockSink struct{ release chan struct{} }

func (s blockSink) WriteFrame(*Frame) error { <-s.release; return nil }

// LastTick follows the slowest worker: zero before the first tick, fresh
// while every worker ticks, and stale once one worker is stuck.
func TestEngineLastTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := NewEngine(EngineConfig{Address: loopback, Ports: "20000-20007", Workers: 2}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !e.LastTick().IsZero() {
			t.Fatalf("before Start: %v", e.LastTick())
		}
		if err := e.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if age := time.Since(e.LastTick()); age > 20*time.Millisecond {
			t.Fatalf("running: last tick %v ago", age)
		}

		// The first session goes to the first worker; its sink blocks it.
		release := make(chan struct{})
		s := e.NewSession("stuck", blockSink{release})
		if err := s.Activate(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if age := time.Since(e.LastTick()); age < 900*time.Millisecond {
			t.Fatalf("one worker stuck for 1s: last tick only %v ago", age)
		}
		close(release)
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if age := time.Since(e.LastTick()); age > 20*time.Millisecond {
			t.Fatalf("released: last tick %v ago", age)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
