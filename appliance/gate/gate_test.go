package gate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

func TestConfigValidate(t *testing.T) {
	tests := map[string]struct {
		cfg Config
		ok  bool
	}{
		"zero takes defaults": {Config{}, true},
		"defaults":            {DefaultConfig(), true},
		"bye":                 {Config{OnTimeout: Bye}, true},
		"unknown policy":      {Config{OnTimeout: "hangup"}, false},
		"negative timeout":    {Config{MatchTimeout: -time.Second}, false},
		"timeout in ms typo":  {Config{MatchTimeout: 60000 * time.Hour}, false},
		"negative ttl":        {Config{EarlyEventTTL: -1}, false},
		"negative grace":      {Config{EndGrace: -1}, false},
		"negative cache":      {Config{MaxEarlyEvents: -1}, false},
		"huge cache":          {Config{MaxEarlyEvents: 2_000_000}, false},
		"huge leg timeout":    {Config{LegTimeout: time.Hour}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			if _, err := New(tt.cfg, nil, nil, nil); (err == nil) != tt.ok {
				t.Fatalf("New = %v", err)
			}
		})
	}
}

func TestOfferRejects(t *testing.T) {
	tg := newTestGate(t, Config{})
	tg.offer(t, "s1")
	tests := map[string]struct {
		id   string
		leg  Leg
		want error
	}{
		"empty id":  {"", newFakeLeg(), ErrInvalidSession},
		"nil leg":   {"s2", nil, ErrInvalidSession},
		"duplicate": {"s1", newFakeLeg(), ErrDuplicateSession},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := tg.Offer(tt.id, callkey.Set{}, SessionInfo{}, tt.leg); !errors.Is(err, tt.want) {
				t.Fatalf("Offer = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDeliverRejectsInvalid(t *testing.T) {
	tg := newTestGate(t, Config{})
	tests := map[string]cti.Event{
		"no key":       {Type: cti.Start, AgentID: "a1"},
		"unknown type": {Type: "transfer", ConversationID: conv1},
		"bad ucid":     {Type: cti.Start, UCID: "xyz"},
	}
	for name, e := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := tg.Deliver(context.Background(), e); !errors.Is(err, cti.ErrInvalid) {
				t.Fatalf("Deliver = %v, want cti.ErrInvalid", err)
			}
		})
	}
	if v := tg.metric(t, "cogito_edge_gate_cti_events_total", "type", "other", "outcome", "invalid"); v != 1 {
		t.Fatalf("invalid events with type label other = %v", v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tg.Deliver(ctx, ev(cti.Start, "a1")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver with done ctx = %v", err)
	}
}

func TestActivationLatency(t *testing.T) {
	tg := newTestGate(t, Config{})
	s, _ := tg.offer(t, "s1", convKey(conv1))
	tg.clock.Advance(2500 * time.Millisecond)
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	snap := s.Snapshot()
	if got := snap.ActivatedAt.Sub(snap.OfferedAt); got != 2500*time.Millisecond {
		t.Fatalf("activation latency %v", got)
	}
	if v := tg.metric(t, "cogito_edge_gate_activation_latency_seconds"); v != 1 {
		t.Fatalf("histogram count %v", v)
	}
	if v := tg.metric(t, "cogito_edge_gate_match_to_active_seconds"); v != 1 {
		t.Fatalf("match-to-active histogram count %v", v)
	}
}

func TestCountsAndGauge(t *testing.T) {
	tg := newTestGate(t, Config{MatchTimeout: 10 * time.Second})
	tg.offer(t, "p", convKey(conv1))
	tg.offer(t, "a", convKey(conv2))
	tg.clock.Advance(5 * time.Second)
	tg.offer(t, "u", ucidKey(ucidHex))
	tg.deliver(t, convEvent(cti.Start, conv2, "a1"))
	tg.clock.Advance(5 * time.Second) // "p" times out, "u" does not yet
	tg.settle()
	want := map[State]int{StatePending: 1, StateActive: 1, StateHeld: 0, StateUnmatched: 1}
	got := tg.Counts()
	for st, n := range want {
		if got[st] != n {
			t.Errorf("Counts[%s] = %d, want %d", st, got[st], n)
		}
		if v := tg.metric(t, "cogito_edge_gate_sessions", "state", string(st)); v != float64(n) {
			t.Errorf("gauge %s = %v, want %d", st, v, n)
		}
	}
	if len(got) != 4 || tg.Len() != 3 {
		t.Fatalf("Counts %v Len %d", got, tg.Len())
	}
}

func TestSnapshotJSON(t *testing.T) {
	tg := newTestGate(t, Config{})
	info := SessionInfo{Source: "sip:10.20.0.7:5060", CallID: "c1@sbc", Participants: []string{"+15551234567 (caller)"}}
	if _, err := tg.Offer("s1", callkey.NewSet(convKey(conv1), ucidKey(ucidHex)), info, newFakeLeg()); err != nil {
		t.Fatal(err)
	}
	tg.clock.Advance(time.Second)
	tg.deliver(t, ev(cti.Start, "agent-7"))
	tg.settle()
	snaps := tg.Sessions()
	if len(snaps) != 1 {
		t.Fatalf("Sessions = %d", len(snaps))
	}
	b, err := json.Marshal(snaps[0])
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	for _, want := range []string{
		`"id":"s1"`, `"state":"active"`, `"agent_id":"agent-7"`, `"direction":"inbound"`,
		`"conversation_id":"` + conv1 + `"`, `"keys":["conversation:` + conv1 + `","ucid:` + ucidHex + `"]`,
		`"call_id":"c1@sbc"`, `"offered_at":"2026-03-02T09:00:00Z"`, `"activated_at":"2026-03-02T09:00:01Z"`,
		`"transitions":[{"from":"","to":"pending"`, `"reason":"cti-start"`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("snapshot JSON lacks %s\n%s", want, js)
		}
	}
	for _, absent := range []string{`"ended_at"`, `"end_by"`, `"started_at"`} {
		if strings.Contains(js, absent) {
			t.Errorf("snapshot JSON has zero field %s", absent)
		}
	}
	// Snapshots share nothing with the session.
	snaps[0].Info.Participants[0] = "changed"
	if tg.Sessions()[0].Info.Participants[0] == "changed" {
		t.Fatal("snapshot aliases session info")
	}
}

func TestReconfigure(t *testing.T) {
	tg := newTestGate(t, Config{MatchTimeout: time.Minute})
	s, _ := tg.offer(t, "s1", convKey(conv1))
	tg.clock.Advance(10 * time.Second)
	if err := tg.Reconfigure(Config{MatchTimeout: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	tg.clock.Advance(9 * time.Second)
	if s.State() != StatePending {
		t.Fatalf("state %s at 19s", s.State())
	}
	tg.clock.Advance(time.Second)
	if s.State() != StateUnmatched {
		t.Fatalf("state %s at 20s, want unmatched under the new timeout", s.State())
	}
	if err := tg.Reconfigure(Config{OnTimeout: "never"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("Reconfigure(bad) = %v", err)
	}
}

func TestReconfigureShrinksCache(t *testing.T) {
	tg := newTestGate(t, Config{})
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.deliver(t, convEvent(cti.Start, conv2, "a1"))
	if err := tg.Reconfigure(Config{MaxEarlyEvents: 1}); err != nil {
		t.Fatal(err)
	}
	if v := tg.metric(t, "cogito_edge_gate_early_events"); v != 1 {
		t.Fatalf("cache = %v after shrink", v)
	}
}

func TestTransitionsBounded(t *testing.T) {
	tg := newTestGate(t, Config{})
	s, _ := tg.offer(t, "s1", convKey(conv1))
	tg.deliver(t, ev(cti.Start, "a1"))
	for range 100 {
		tg.deliver(t, ev(cti.Hold, "a1"))
		tg.deliver(t, ev(cti.Resume, "a1"))
	}
	tg.settle()
	snap := s.Snapshot()
	if len(snap.Transitions) != maxTransitions || snap.TransitionsDropped != 2+200-maxTransitions {
		t.Fatalf("transitions %d dropped %d", len(snap.Transitions), snap.TransitionsDropped)
	}
}
