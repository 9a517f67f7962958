package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/lab/callgen"
)

// TestDrain stops the appliance (what SIGTERM does) during a live call: new
// calls get 503 so the SBC hunts to another recorder, the live call runs to
// its end and its recording is complete, and only then does Run return.
func TestDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startEdge(t, func(c *config.Config) { c.DrainTimeout = 20 * time.Second })
	const d = 3 * time.Second
	stopped := make(chan struct{})
	cfg := callgen.Config{Duration: d}
	cfg.OnActivated = func(context.Context, *callgen.Call) {
		e.cancel()
		close(stopped)
	}
	calls := make(chan callgen.Report, 1)
	go func() {
		cfg.Target = e.sip("tcp")
		cfg.CTIURL = e.admin + "/v1/cti"
		rep, _ := callgen.Run(context.Background(), cfg)
		calls <- rep
	}()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("call never activated")
	}

	// While draining, a new call is refused with 503.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	late, err := callgen.Run(ctx, callgen.Config{Target: e.sip("tcp"), Duration: time.Second})
	if err == nil && late.Completed > 0 {
		t.Fatal("a new call was recorded while draining")
	}
	if !errors.Is(err, callgen.ErrRejected) && late.Errors == nil {
		t.Logf("late call: %v %v", err, late.Errors)
	}
	refused := false
	for msg := range late.Errors {
		if containsAny(msg, "503") {
			refused = true
		}
	}
	if !refused {
		t.Errorf("new call during drain: want 503, got %v %v", err, late.Errors)
	}

	select {
	case err := <-e.done:
		t.Fatalf("Run returned (%v) before the live call ended", err)
	default:
	}
	rep := <-calls
	if rep.Completed != 1 {
		t.Fatalf("live call did not complete during the drain: %v", rep.Errors)
	}
	for _, r := range rep.Results {
		m := checkRecording(t, e, r, d)
		if m.EndReason != "bye" {
			t.Errorf("end reason %q, want bye (the SBC ended it, not the drain)", m.EndReason)
		}
	}
	select {
	case err := <-e.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the last call ended")
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}
