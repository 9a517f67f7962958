package audiohook

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConnectionProbe(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{ConversationID: NullUUID, Participant: Participant{ID: NullUUID}})
	if m, ok := s.Media(); !ok || !m.Equal(StereoPCMU()) {
		t.Fatalf("probe media %v %v", m, ok)
	}
	closeClient(t, s, CloseEnd)
	e.app.mu.Lock()
	opens := len(e.app.opens)
	e.app.mu.Unlock()
	if opens != 0 {
		t.Fatal("the probe reached the application")
	}
	waitFor(t, "probe counted", func() bool { return metricValue(e.metrics.sessionsTotal.WithLabelValues("server", "probe")) == 1 })
}

func TestServerDisconnectCompleted(t *testing.T) {
	e := newTestEnv(t)
	var mu sync.Mutex
	var events []ClientEvent
	c := e.client(func(cfg *ClientConfig) {
		cfg.OnEvent = func(_ *ClientSession, ev ClientEvent) { mu.Lock(); events = append(events, ev); mu.Unlock() }
	})
	s := e.open(c, OpenRequest{})
	ss := e.app.session(t)
	if err := s.WriteAudio(tone(100*time.Millisecond, 1)); err != nil {
		t.Fatal(err)
	}
	e.app.wait(t, "audio", func() bool { return len(e.app.frames) == 1 })
	if err := ss.Disconnect(ctxT(t), DisconnectCompleted, "call ended"); err != nil { // CTI end
		t.Fatal(err)
	}
	waitDone(t, s.Done(), "client end")
	var de *DisconnectedError
	if err := s.Err(); !errors.As(err, &de) || de.Reason != DisconnectCompleted || de.Info != "call ended" {
		t.Fatalf("client Err %v", err)
	}
	e.app.mu.Lock()
	end := e.app.endings[0]
	e.app.mu.Unlock()
	if end.Reason != CloseDisconnect || end.Err != nil {
		t.Fatalf("ending %+v", end)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[1].Type != TypeDisconnect || events[1].Disconnect.Reason != DisconnectCompleted {
		t.Fatalf("events %+v", events)
	}
}

func TestReconnectRequestAndContinuedSession(t *testing.T) {
	e := newTestEnv(t)
	reconnect := make(chan string, 1)
	c := e.client(func(cfg *ClientConfig) {
		cfg.OnEvent = func(_ *ClientSession, ev ClientEvent) {
			if ev.Type == TypeReconnect {
				reconnect <- ev.Info
			}
		}
	})
	req := OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}}
	s1 := e.open(c, req)
	ss1 := e.app.session(t)
	if err := s1.WriteAudio(tone(300*time.Millisecond, 1)); err != nil {
		t.Fatal(err)
	}
	// One ping answered: everything before its position was received.
	e.clock.waitTimers(t, 1)
	e.clock.Advance(DefaultFirstPing)
	waitFor(t, "ack", func() bool { return s1.Continuation().AckedPosition == 300*time.Millisecond })
	if err := ss1.RequestReconnect("rebalance"); err != nil {
		t.Fatal(err)
	}
	select {
	case info := <-reconnect:
		if info != "rebalance" {
			t.Fatalf("reconnect info %q", info)
		}
	case <-time.After(testWait):
		t.Fatal("no reconnect event")
	}
	if err := s1.WriteAudio(tone(200*time.Millisecond, 2)); err != nil {
		t.Fatal(err)
	}
	cont := s1.Continuation()
	s1.Abort() // the connection drops instead of a clean handover
	waitDone(t, s1.Done(), "first session")
	if !errors.Is(s1.Err(), ErrConnectionLost) {
		t.Fatalf("first session Err %v", s1.Err())
	}
	// The continued session resends from the acknowledged position; the
	// server already has up to 500 ms and says so with discardTo.
	e.app.decide = func(p OpenParams) (OpenDecision, error) { return OpenDecision{DiscardTo: 500 * time.Millisecond}, nil }
	s2 := e.open(c, req.Continue(cont, cont.AckedPosition))
	if err := s2.WriteAudio(tone(400*time.Millisecond, 3)); err != nil {
		t.Fatal(err)
	}
	closeClient(t, s2, CloseEnd)
	e.app.wait(t, "both endings", func() bool { return len(e.app.endings) == 2 })
	e.app.mu.Lock()
	defer e.app.mu.Unlock()
	p := e.app.opens[1]
	if len(p.ContinuedSessions) != 1 || p.ContinuedSessions[0].ID != cont.SessionID || p.Position != 300*time.Millisecond {
		t.Fatalf("continued open %+v", p)
	}
	if p.ContinuedSessions[0].ClientSeq != cont.ClientSeq || p.ContinuedSessions[0].ServerSeq != cont.ServerSeq {
		t.Fatalf("continued seqs %+v vs %+v", p.ContinuedSessions[0], cont)
	}
	var disc *Notice
	for i := range e.app.notices {
		if e.app.notices[i].Type == TypeDiscarded {
			disc = &e.app.notices[i]
		}
	}
	if disc == nil || disc.Start != 300*time.Millisecond || disc.Discarded != 200*time.Millisecond {
		t.Fatalf("discarded notice %+v", disc)
	}
	last := e.app.frames[len(e.app.frames)-1]
	if last.Position+SampleDuration(int64(len(last.Samples)/2), SampleRate) != 700*time.Millisecond {
		t.Fatalf("continued stream ends at %v + %d samples", last.Position, len(last.Samples)/2)
	}
	if !errors.Is(e.app.endings[0].Err, ErrConnectionLost) {
		t.Fatalf("first ending %+v", e.app.endings[0])
	}
}

func TestUnauthorizedUpgrade(t *testing.T) {
	e := newTestEnv(t)
	c := e.client(func(cfg *ClientConfig) { cfg.Secret = []byte("wrong secret") })
	_, err := c.Open(ctxT(t), OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}})
	if !errors.Is(err, ErrRejected) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Open = %v, want a 401 refusal", err)
	}
	if v := metricValue(e.metrics.sigFailures.WithLabelValues("mismatch")); v != 1 {
		t.Fatalf("signature failures %v", v)
	}
	if v := metricValue(e.metrics.upgrades.WithLabelValues("401")); v != 1 {
		t.Fatalf("401 rejections %v", v)
	}
	c = e.client(func(cfg *ClientConfig) { cfg.Secret = nil }) // unsigned, but the key has a secret
	if _, err := c.Open(ctxT(t), OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("unsigned Open = %v", err)
	}
	if v := metricValue(e.metrics.sigFailures.WithLabelValues("unsigned")); v != 1 {
		t.Fatalf("unsigned failures %v", v)
	}
}

func TestOrganizationMismatchIsUnauthorized(t *testing.T) {
	e := newTestEnv(t)
	// A client whose open names another organization than its header.
	raw := dialRaw(t, e, testOrg)
	raw.send(t, openMessage(raw.sessionID, "0e0e0e0e-0000-4000-8000-000000000000", 1))
	m := raw.expect(t, TypeDisconnect)
	if p := m.Params.(*DisconnectParameters); p.Reason != DisconnectUnauthorized {
		t.Fatalf("disconnect %+v", p)
	}
	raw.send(t, clientMsg(raw.sessionID, TypeClose, 2, 1, &CloseParameters{Reason: CloseDisconnect}))
	raw.expect(t, TypeClosed)
}

func TestOpenDecisionTimeout(t *testing.T) {
	e := newTestEnv(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	e.app.decide = func(OpenParams) (OpenDecision, error) { <-release; return OpenDecision{}, nil }
	raw := dialRaw(t, e, testOrg)
	raw.send(t, openMessage(raw.sessionID, testOrg, 1))
	e.app.session(t)
	e.clock.waitTimers(t, 1)
	e.clock.Advance(DefaultOpenDecisionTimeout)
	m := raw.expect(t, TypeDisconnect)
	if p := m.Params.(*DisconnectParameters); p.Reason != DisconnectError || !strings.HasPrefix(p.Info, "408 ") {
		t.Fatalf("disconnect %+v", p)
	}
}

func TestUpgradeRefusals(t *testing.T) {
	e := newTestEnv(t)
	httpURL := "http" + strings.TrimPrefix(e.url, "ws")
	resp, err := http.Post(httpURL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, httpURL, nil)
	req.Header.Set(HeaderSessionID, "nope")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad headers: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = e.srv.Shutdown(ctx) // no sessions: draining at once
	_, err = e.client().Open(ctxT(t), OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}})
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Open while draining = %v", err)
	}
}

// waitFor polls cond until it holds; for state read through accessors that
// have no change notification (metrics, client positions).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
