package gate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// checkLegSequence verifies that calls form a sequence a real leg can
// follow: Activate before Pause or Resume, Pause and Resume alternating,
// End at most once and last. A failed Activate is not injected here, so a
// second Activate is an error too.
func checkLegSequence(calls []call) error {
	up, paused, ended := false, false, false
	for i, c := range calls {
		if ended {
			return fmt.Errorf("call %d %s after End", i, c)
		}
		switch c.op {
		case "activate":
			if up {
				return fmt.Errorf("call %d: second Activate", i)
			}
			up = true
		case "pause":
			if !up || paused {
				return fmt.Errorf("call %d: Pause with up=%v paused=%v", i, up, paused)
			}
			paused = true
		case "resume":
			if !up || !paused {
				return fmt.Errorf("call %d: Resume with up=%v paused=%v", i, up, paused)
			}
			paused = false
		case "end":
			ended = true
		}
	}
	return nil
}

func TestLegCallOrderingUnderConcurrentDeliver(t *testing.T) {
	const (
		sessions   = 8
		goroutines = 16
		perG       = 200
	)
	tg := newTestGate(t, Config{EndGrace: time.Hour})
	legs := make([]*fakeLeg, sessions)
	convs := make([]string, sessions)
	for i := range sessions {
		convs[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		_, legs[i] = tg.offer(t, fmt.Sprintf("s%d", i), convKey(convs[i]))
	}
	types := []cti.Type{cti.Start, cti.Hold, cti.Resume, cti.Hold, cti.Resume, cti.End}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range perG {
				e := convEvent(types[r.IntN(len(types))], convs[r.IntN(sessions)], fmt.Sprintf("a%d", r.IntN(3)))
				if _, err := tg.Deliver(context.Background(), e); err != nil {
					t.Error(err)
					return
				}
				if r.IntN(50) == 0 {
					_ = tg.Sessions()
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tg.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	for i, leg := range legs {
		calls := leg.Calls()
		if err := checkLegSequence(calls); err != nil {
			t.Errorf("session %d: %v\n%s", i, err, leg.trace())
		}
		if n := len(calls); n == 0 || calls[n-1].op != "end" || calls[n-1].reason != "shutdown" {
			t.Errorf("session %d does not end with End(shutdown): %s", i, leg.trace())
		}
		if leg.overlaps.Load() != 0 {
			t.Errorf("session %d: overlapping leg calls", i)
		}
	}
}

func TestSlowLegDoesNotBlockOthers(t *testing.T) {
	tg := newTestGate(t, Config{})
	slow, slowLeg := tg.offer(t, "slow", convKey(conv1))
	fast, fastLeg := tg.offer(t, "fast", convKey(conv2))
	release := slowLeg.blockOp("activate")
	t.Cleanup(release)
	slowLeg.entered = make(chan string, 8)

	tg.deliver(t, convEvent(cti.Start, conv1, "a1"))
	<-slowLeg.entered // the slow Activate is in flight
	// The gate lock is free: Deliver, Offer, Sessions and the fast session's
	// leg all proceed while the slow call blocks.
	tg.deliver(t, convEvent(cti.Start, conv2, "a2"))
	fastLeg.waitCalls(t, 1)
	tg.deliver(t, convEvent(cti.Hold, conv2, "a2"))
	fastLeg.waitCalls(t, 2)
	tg.deliver(t, convEvent(cti.Hold, conv1, "a1")) // queued behind the slow Activate
	if n := len(tg.Sessions()); n != 2 {
		t.Fatalf("Sessions = %d", n)
	}
	if fast.State() != StateHeld || slow.State() != StateHeld {
		t.Fatalf("states %s %s", fast.State(), slow.State())
	}
	if len(slowLeg.Calls()) != 0 {
		t.Fatal("slow Activate returned early")
	}
	release()
	tg.settle()
	if got := slowLeg.trace(); got != "activate:a1,pause" {
		t.Fatalf("slow leg calls %q", got)
	}
}

func TestLegTimeoutBoundsCalls(t *testing.T) {
	// The real clock: the timeout is a context deadline, not a gate timer.
	g, err := New(Config{LegTimeout: 20 * time.Millisecond}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	leg := newFakeLeg()
	leg.blockOp("activate") // never released: only the timeout ends it
	s, err := g.Offer("s1", callkey.NewSet(convKey(conv1)), SessionInfo{}, leg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Deliver(context.Background(), ev(cti.Start, "a1")); err != nil {
		t.Fatal(err)
	}
	leg.waitCalls(t, 1)
	g.workers.Wait()
	if s.State() != StatePending {
		t.Fatalf("state %s after a timed-out Activate", s.State())
	}
}

func TestDrain(t *testing.T) {
	tg := newTestGate(t, Config{})
	_, pending := tg.offer(t, "pending", convKey(conv1))
	_, active := tg.offer(t, "active", convKey(conv2))
	_, held := tg.offer(t, "held", ucidKey(ucidHex))
	tg.deliver(t, convEvent(cti.Start, conv2, "a1"))
	tg.deliver(t, ucidEvent(cti.Start, ucidHex, "a2"))
	tg.settle()
	tg.deliver(t, ucidEvent(cti.Hold, ucidHex, "a2"))
	tg.settle()

	if err := tg.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		leg  *fakeLeg
		want string
	}{
		"pending": {pending, "end:shutdown"},
		"active":  {active, "activate:a1,end:shutdown"},
		"held":    {held, "activate:a2,pause,end:shutdown"},
	} {
		if got := tt.leg.trace(); got != tt.want {
			t.Errorf("%s: calls %q, want %q", name, got, tt.want)
		}
	}
	if tg.Len() != 0 {
		t.Fatalf("Len = %d after Drain", tg.Len())
	}
	if _, err := tg.Offer("late", callkey.Set{}, SessionInfo{}, newFakeLeg()); !errors.Is(err, ErrDraining) {
		t.Fatalf("Offer during drain = %v, want ErrDraining", err)
	}
}

func TestDrainBoundedByContext(t *testing.T) {
	tg := newTestGate(t, Config{})
	_, leg := tg.offer(t, "stuck", convKey(conv1))
	leg.blockOp("end")
	leg.entered = make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- tg.Drain(ctx) }()
	<-leg.entered // End is in flight and will not return by itself
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain = %v, want context.Canceled", err)
	}
	tg.settle() // the drain context also cancelled the stuck End
	if got := leg.trace(); got != "end:shutdown" {
		t.Fatalf("calls %q", got)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	tg := newTestGate(t, Config{MatchTimeout: time.Second, OnTimeout: Bye})
	_, leg := tg.offer(t, "s1", convKey(conv1))
	blocked := newFakeLeg()
	blocked.blockOp("activate")
	blocked.entered = make(chan string, 1)
	if _, err := tg.Offer("s2", callkey.NewSet(convKey(conv2)), SessionInfo{}, blocked); err != nil {
		t.Fatal(err)
	}
	tg.deliver(t, convEvent(cti.Start, conv2, "a1"))
	<-blocked.entered
	if err := tg.Close(); err != nil { // cancels the blocked Activate and waits for it
		t.Fatal(err)
	}
	if err := tg.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	tg.clock.Advance(time.Hour) // timers were stopped: no End
	if leg.trace() != "" {
		t.Fatalf("calls after Close: %q", leg.trace())
	}
	for name, err := range map[string]error{
		"offer":       func() error { _, err := tg.Offer("s3", callkey.Set{}, SessionInfo{}, newFakeLeg()); return err }(),
		"deliver":     func() error { _, err := tg.Deliver(context.Background(), ev(cti.Start, "a1")); return err }(),
		"drain":       tg.Drain(context.Background()),
		"reconfigure": tg.Reconfigure(Config{}),
		"run":         tg.Run(context.Background()),
	} {
		want := ErrClosed
		if name == "run" {
			want = nil
		}
		if !errors.Is(err, want) {
			t.Errorf("%s after Close = %v, want %v", name, err, want)
		}
	}
}

func TestDrainWaitsForEndInFlight(t *testing.T) {
	tg := newTestGate(t, Config{EndGrace: time.Second})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	tg.deliver(t, ev(cti.End, "a1"))
	tg.settle()
	release := leg.blockOp("end")
	leg.entered = make(chan string, 1)
	tg.clock.Advance(time.Second) // grace expires: End("cti-end") starts and blocks
	<-leg.entered
	if tg.Len() != 0 {
		t.Fatal("ended session still registered")
	}
	errc := make(chan error, 1)
	go func() { errc <- tg.Drain(context.Background()) }()
	select {
	case err := <-errc:
		t.Fatalf("Drain returned %v while an End was in flight", err)
	case <-s.done:
		t.Fatal("session finished while End blocked")
	default:
	}
	release()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got := leg.trace(); got != "activate:a1,pause,end:cti-end" {
		t.Fatalf("calls %q", got)
	}
}
