package audiohook

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPingCadenceBetweenOurRoles runs the real cadence on the fake clock:
// the first ping 1 s after opened, a second at once after its pong, then
// one every 5 s, each answered before the next.
func TestPingCadenceBetweenOurRoles(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{})
	pings := func() float64 { return metricValue(e.metrics.messages.WithLabelValues("ping", "in")) }
	pongs := func() float64 { return metricValue(e.metrics.messages.WithLabelValues("pong", "in")) }
	e.clock.waitTimers(t, 1)
	e.clock.Advance(DefaultFirstPing - time.Millisecond)
	if pings() != 0 {
		t.Fatal("ping before 1 s")
	}
	e.clock.Advance(time.Millisecond)
	waitFor(t, "first ping and the immediate second", func() bool { return pings() == 2 && pongs() == 2 })
	for i := 3; i <= 6; i++ {
		e.clock.Advance(DefaultPingInterval)
		waitFor(t, "next ping", func() bool { return pings() == float64(i) && pongs() == float64(i) })
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	closeClient(t, s, CloseEnd)
}

func TestSessionGaugesReturnToZero(t *testing.T) {
	e := newTestEnv(t)
	e.app.decide = func(OpenParams) (OpenDecision, error) { return OpenDecision{StartPaused: true}, nil }
	s := e.open(e.client(), OpenRequest{})
	gauge := func(role, state string) float64 { return metricValue(e.metrics.sessions.WithLabelValues(role, state)) }
	waitFor(t, "paused gauges", func() bool { return gauge("server", "paused") == 1 && gauge("client", "paused") == 1 })
	if err := e.app.session(t).Resume(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "active gauges", func() bool { return gauge("server", "active") == 1 && gauge("client", "active") == 1 })
	closeClient(t, s, CloseEnd)
	waitDone(t, e.app.session(t).Done(), "server session end")
	for _, role := range []string{"server", "client"} {
		for _, st := range []string{"connected", "opening", "active", "paused", "closing"} {
			if v := gauge(role, st); v != 0 {
				t.Errorf("%s %s gauge %v after the end", role, st, v)
			}
		}
	}
	if v := metricValue(e.metrics.sessionsTotal.WithLabelValues("server", "closed")); v != 1 {
		t.Errorf("server closed sessions %v", v)
	}
	if v := metricValue(e.metrics.audioFrames.WithLabelValues("server", "in")); v != 0 {
		t.Errorf("audio frames %v", v)
	}
}

func TestShutdownDropsLiveSessionsAtDeadline(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{})
	ss := e.app.session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v", err)
	}
	waitDone(t, ss.Done(), "server session")
	waitDone(t, s.Done(), "client session")
	if !errors.Is(ss.Err(), ErrConnectionLost) || !errors.Is(s.Err(), ErrConnectionLost) {
		t.Fatalf("errors %v / %v", ss.Err(), s.Err())
	}
	e.app.wait(t, "Closed", func() bool { return len(e.app.endings) == 1 && errors.Is(e.app.endings[0].Err, ErrConnectionLost) })
}

func TestPauseBeforeOpenedDecidesStartPaused(t *testing.T) {
	e := newTestEnv(t)
	e.app.decide = func(p OpenParams) (OpenDecision, error) {
		e.app.mu.Lock()
		ss := e.app.sessions[0]
		e.app.mu.Unlock()
		// A CTI hold that races the open: the session starts paused.
		return OpenDecision{}, ss.Pause(context.Background())
	}
	s := e.open(e.client(), OpenRequest{})
	if !s.Paused() {
		t.Fatal("Pause during Open did not start the session paused")
	}
	closeClient(t, s, CloseEnd)
}
