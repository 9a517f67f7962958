package gate

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

var errTest = errors.New("test failure")

func TestEarlyEventBeforeOffer(t *testing.T) {
	tg := newTestGate(t, Config{})
	if res := tg.deliver(t, ev(cti.Start, "a1")); res.Outcome != Cached {
		t.Fatalf("outcome %s, want cached", res.Outcome)
	}
	tg.clock.Advance(5 * time.Second)
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.settle()
	if s.State() != StateActive || leg.trace() != "activate:a1" {
		t.Fatalf("state %s calls %q", s.State(), leg.trace())
	}
	if v := tg.metric(t, "cogito_edge_gate_cti_events_total", "type", "start", "outcome", "replayed"); v != 1 {
		t.Fatalf("replayed = %v", v)
	}
	if v := tg.metric(t, "cogito_edge_gate_early_events"); v != 0 {
		t.Fatalf("cache gauge = %v after replay", v)
	}
}

func TestEarlyEventsReplayInOrder(t *testing.T) {
	tests := map[string]struct {
		events []cti.Event
		state  State
		calls  string
	}{
		"start then end does not activate": {
			events: []cti.Event{ev(cti.Start, "a1"), ev(cti.End, "a1")},
			state:  StatePending, calls: "",
		},
		"start then hold activates nothing yet": {
			events: []cti.Event{ev(cti.Start, "a1"), ev(cti.Hold, "a1")},
			state:  StateHeld, calls: "",
		},
		"start end start keeps the last agent": {
			events: []cti.Event{ev(cti.Start, "a1"), ev(cti.End, "a1"), ev(cti.Start, "a2")},
			state:  StateActive, calls: "activate:a2",
		},
		"hold resume start": {
			events: []cti.Event{ev(cti.Hold, "a1"), ev(cti.Resume, "a1"), ev(cti.Start, "a1")},
			state:  StateActive, calls: "activate:a1",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tg := newTestGate(t, Config{})
			for _, e := range tt.events {
				tg.deliver(t, e)
			}
			s, leg := tg.offer(t, "s1", convKey(conv1))
			tg.settle()
			if s.State() != tt.state || leg.trace() != tt.calls {
				t.Fatalf("state %s calls %q, want %s %q", s.State(), leg.trace(), tt.state, tt.calls)
			}
		})
	}
}

func TestEarlyStartEndThenLiveStart(t *testing.T) {
	tg := newTestGate(t, Config{})
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.deliver(t, ev(cti.End, "a1"))
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.settle()
	if leg.trace() != "" {
		t.Fatalf("activated by a start that had already ended: %q", leg.trace())
	}
	// Replayed events are consumed: a key update must not replay them again.
	s.UpdateKeys(callkey.NewSet(ucidKey(ucidHex)))
	tg.settle()
	if leg.trace() != "" {
		t.Fatalf("replayed twice: %q", leg.trace())
	}
	tg.deliver(t, ev(cti.Start, "a2"))
	tg.settle()
	if s.State() != StateActive || leg.trace() != "activate:a2" {
		t.Fatalf("state %s calls %q", s.State(), leg.trace())
	}
}

func TestUpdateKeysMatchesCachedEvent(t *testing.T) {
	tg := newTestGate(t, Config{})
	// The INVITE carries only the UCID; x-inin-cnv arrives in a re-INVITE.
	s, leg := tg.offer(t, "s1", ucidKey(ucidHex))
	if res := tg.deliver(t, convEvent(cti.Start, conv2, "a1")); res.Outcome != Cached {
		t.Fatalf("outcome %s, want cached", res.Outcome)
	}
	s.UpdateKeys(callkey.NewSet(ucidKey(ucidHex), convKey(conv2)))
	tg.settle()
	if s.State() != StateActive || leg.trace() != "activate:a1" {
		t.Fatalf("state %s calls %q", s.State(), leg.trace())
	}
	// The new key now matches live events too.
	if res := tg.deliver(t, convEvent(cti.Hold, conv2, "a1")); res.Outcome != Matched {
		t.Fatalf("hold outcome %s", res.Outcome)
	}
}

func TestStartTeachesKeys(t *testing.T) {
	tg := newTestGate(t, Config{})
	s, _ := tg.offer(t, "s1", ucidKey(ucidHex))
	// An end carrying only the conversation id is cached: nobody has it yet.
	tg.deliver(t, cti.Event{Type: cti.Start, UCID: ucidHex, ConversationID: conv1, AgentID: "a1"})
	tg.settle()
	if res := tg.deliver(t, convEvent(cti.Hold, conv1, "a1")); res.Outcome != Matched || s.State() != StateHeld {
		t.Fatalf("hold by conversation id only: %s, state %s", res.Outcome, s.State())
	}
}

func TestUCIDFormsMatch(t *testing.T) {
	// Keys are canonical, so every spelling of a UCID finds the session.
	tests := map[string]cti.Event{
		"hex":       ucidEvent(cti.Start, ucidHex, "a1"),
		"hex lower": ucidEvent(cti.Start, "004762c169fa480c", "a1"),
		"decimal":   ucidEvent(cti.Start, ucidDecimal, "a1"),
		"asai uui":  {Type: cti.Start, UUI: ucidASAI + ";encoding=hex", AgentID: "a1"},
	}
	offers := map[string]callkey.Key{
		"offered hex":     ucidKey(ucidHex),
		"offered decimal": ucidKey(ucidDecimal),
		"offered asai":    ucidKey(ucidASAI),
	}
	for oname, key := range offers {
		for name, e := range tests {
			t.Run(oname+"/"+name, func(t *testing.T) {
				tg := newTestGate(t, Config{})
				s, _ := tg.offer(t, "s1", key)
				if res := tg.deliver(t, e); res.Outcome != Matched {
					t.Fatalf("outcome %s, want matched", res.Outcome)
				}
				if s.State() != StateActive {
					t.Fatalf("state %s", s.State())
				}
			})
		}
	}
}

func TestEventMatchesSeveralSessions(t *testing.T) {
	tg := newTestGate(t, Config{})
	s1, l1 := tg.offer(t, "s1", ucidKey(ucidHex))
	s2, l2 := tg.offer(t, "s2", convKey(conv1))
	_, l3 := tg.offer(t, "s3", convKey(conv2))
	res := tg.deliver(t, cti.Event{Type: cti.Start, UCID: ucidDecimal, ConversationID: conv1, AgentID: "a1"})
	tg.settle()
	if res.Outcome != Matched || !slices.Equal(res.Applied, []string{"s1", "s2"}) {
		t.Fatalf("result %+v", res)
	}
	if s1.State() != StateActive || s2.State() != StateActive || l1.trace() != "activate:a1" || l2.trace() != "activate:a1" || l3.trace() != "" {
		t.Fatalf("s1 %s %q, s2 %s %q, s3 %q", s1.State(), l1.trace(), s2.State(), l2.trace(), l3.trace())
	}
}

func TestEarlyCacheBounds(t *testing.T) {
	tg := newTestGate(t, Config{MaxEarlyEvents: 3})
	convs := []string{
		"00000000-0000-4000-8000-000000000001",
		"00000000-0000-4000-8000-000000000002",
		"00000000-0000-4000-8000-000000000003",
		"00000000-0000-4000-8000-000000000004",
		"00000000-0000-4000-8000-000000000005",
	}
	for _, c := range convs {
		tg.deliver(t, convEvent(cti.Start, c, "a1"))
	}
	if v := tg.metric(t, "cogito_edge_gate_early_events"); v != 3 {
		t.Fatalf("cache gauge = %v, want 3", v)
	}
	if v := tg.metric(t, "cogito_edge_gate_cti_events_total", "type", "start", "outcome", "evicted"); v != 2 {
		t.Fatalf("evicted = %v, want 2", v)
	}
	tests := map[string]struct {
		conv  string
		state State
	}{
		"oldest evicted":     {convs[0], StatePending},
		"second evicted":     {convs[1], StatePending},
		"third kept":         {convs[2], StateActive},
		"newest kept":        {convs[4], StateActive},
		"unknown conversion": {conv2, StatePending},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s, _ := tg.offer(t, name, convKey(tt.conv))
			if s.State() != tt.state {
				t.Fatalf("state %s, want %s", s.State(), tt.state)
			}
		})
	}
}

func TestEarlyEventExpires(t *testing.T) {
	tg := newTestGate(t, Config{EarlyEventTTL: 30 * time.Second})
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.clock.Advance(30 * time.Second)
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.settle()
	if s.State() != StatePending || leg.trace() != "" {
		t.Fatalf("expired event replayed: state %s calls %q", s.State(), leg.trace())
	}
	if v := tg.metric(t, "cogito_edge_gate_cti_events_total", "type", "start", "outcome", "expired"); v != 1 {
		t.Fatalf("expired = %v", v)
	}
}

func TestRunPrunesCache(t *testing.T) {
	tg := newTestGate(t, Config{EarlyEventTTL: 4 * time.Second})
	tg.clock.armed = make(chan struct{}, 16)
	tg.deliver(t, ev(cti.Start, "a1"))
	done := make(chan error, 1)
	go func() { done <- tg.Run(t.Context()) }()
	<-tg.clock.armed
	// Run arms its next timer only after handling a tick, so each receive
	// below means one prune has run.
	for i := 0; tg.metric(t, "cogito_edge_gate_early_events") != 0; i++ {
		if i > 10 {
			t.Fatal("Run did not prune the cache")
		}
		tg.clock.Advance(time.Second)
		<-tg.clock.armed
	}
	if v := tg.metric(t, "cogito_edge_gate_cti_events_total", "type", "start", "outcome", "expired"); v != 1 {
		t.Fatalf("expired = %v", v)
	}
	if err := tg.Run(t.Context()); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Run = %v, want ErrRunning", err)
	}
	_ = tg.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
}
