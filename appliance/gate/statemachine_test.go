package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// step is one delivered event and what Deliver must report for it.
type step struct {
	typ     cti.Type
	agent   string
	outcome Outcome
}

func TestStateMachine(t *testing.T) {
	tests := map[string]struct {
		steps     []step
		state     State
		agent     string
		calls     string // leg trace after every step settled
		ending    bool   // the end grace runs
		activated bool
	}{
		"start activates": {
			steps: []step{{cti.Start, "a1", Matched}},
			state: StateActive, agent: "a1", calls: "activate:a1", activated: true,
		},
		"hold pauses": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Hold, "a1", Matched}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", activated: true,
		},
		"resume resumes": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Hold, "a1", Matched}, {cti.Resume, "a1", Matched}},
			state: StateActive, agent: "a1", calls: "activate:a1,pause,resume", activated: true,
		},
		"hold while pending is ignored": {
			steps: []step{{cti.Hold, "a1", Ignored}},
			state: StatePending, calls: "",
		},
		"resume while pending is ignored": {
			steps: []step{{cti.Resume, "a1", Ignored}},
			state: StatePending, calls: "",
		},
		"end while pending is ignored": {
			steps: []step{{cti.End, "a1", Ignored}},
			state: StatePending, calls: "",
		},
		"resume while active is ignored": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Resume, "a1", Ignored}},
			state: StateActive, agent: "a1", calls: "activate:a1", activated: true,
		},
		"hold while held is ignored": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Hold, "a1", Matched}, {cti.Hold, "a1", Ignored}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", activated: true,
		},
		"duplicate start is ignored": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Start, "a1", Ignored}},
			state: StateActive, agent: "a1", calls: "activate:a1", activated: true,
		},
		"start for another agent updates the agent without a new activation": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Start, "a2", Matched}},
			state: StateActive, agent: "a2", calls: "activate:a1", activated: true,
		},
		"start for another agent during hold resumes": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Hold, "a1", Matched}, {cti.Start, "a2", Matched}},
			state: StateActive, agent: "a2", calls: "activate:a1,pause,resume", activated: true,
		},
		"same agent start during hold keeps the hold": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Hold, "a1", Matched}, {cti.Start, "a1", Ignored}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", activated: true,
		},
		"end pauses and starts the grace": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.End, "a1", Matched}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", ending: true, activated: true,
		},
		"end while held starts the grace without another pause": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.Hold, "a1", Matched}, {cti.End, "a1", Matched}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", ending: true, activated: true,
		},
		"resume during the grace is ignored": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.End, "a1", Matched}, {cti.Resume, "a1", Ignored}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", ending: true, activated: true,
		},
		"second end during the grace is ignored": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.End, "a1", Matched}, {cti.End, "a2", Ignored}},
			state: StateHeld, agent: "a1", calls: "activate:a1,pause", ending: true, activated: true,
		},
		"start for another agent during the grace continues": {
			steps: []step{{cti.Start, "a1", Matched}, {cti.End, "a1", Matched}, {cti.Start, "a2", Matched}},
			state: StateActive, agent: "a2", calls: "activate:a1,pause,resume", activated: true,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tg := newTestGate(t, Config{})
			s, leg := tg.offer(t, "s1", convKey(conv1))
			for i, st := range tt.steps {
				res := tg.deliver(t, ev(st.typ, st.agent))
				if res.Outcome != st.outcome {
					t.Fatalf("step %d %s: outcome %s, want %s", i, st.typ, res.Outcome, st.outcome)
				}
				tg.settle()
			}
			snap := s.Snapshot()
			if snap.State != tt.state || snap.AgentID != tt.agent {
				t.Errorf("state %s agent %q, want %s %q", snap.State, snap.AgentID, tt.state, tt.agent)
			}
			if got := leg.trace(); got != tt.calls {
				t.Errorf("leg calls %q, want %q", got, tt.calls)
			}
			if ending := !snap.EndBy.IsZero(); ending != tt.ending {
				t.Errorf("ending = %v, want %v", ending, tt.ending)
			}
			if activated := !snap.ActivatedAt.IsZero(); activated != tt.activated {
				t.Errorf("activated = %v, want %v", activated, tt.activated)
			}
			if leg.overlaps.Load() != 0 {
				t.Error("overlapping leg calls")
			}
		})
	}
}

func TestActivationCarriesCTIData(t *testing.T) {
	tg := newTestGate(t, Config{})
	_, leg := tg.offer(t, "s1", ucidKey(ucidHex), convKey(conv1))
	tg.deliver(t, cti.Event{Type: cti.Start, UCID: ucidHex, AgentID: "a1", Direction: cti.Outbound})
	c := leg.waitCalls(t, 1)[0]
	// The event carries no conversation id: the session's key supplies it.
	if c.op != "activate" || c.agent != "a1" || c.dir != cti.Outbound || c.conv != conv1 {
		t.Fatalf("activation = %+v", c)
	}
}

func TestEndThenStartAnotherAgentKeepsRecording(t *testing.T) {
	tg := newTestGate(t, Config{EndGrace: 10 * time.Second})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	tg.deliver(t, ev(cti.End, "a1"))
	tg.settle()
	tg.clock.Advance(9 * time.Second)
	tg.deliver(t, ev(cti.Start, "a2"))
	tg.settle()
	tg.clock.Advance(time.Minute) // well past the old grace deadline
	tg.settle()
	if got, want := leg.trace(), "activate:a1,pause,resume"; got != want {
		t.Fatalf("leg calls %q, want %q (no End)", got, want)
	}
	if st := s.State(); st != StateActive {
		t.Fatalf("state %s, want active", st)
	}
	if s.Snapshot().AgentID != "a2" {
		t.Fatal("agent not updated")
	}
}

func TestEndGraceExpiryEndsSession(t *testing.T) {
	tg := newTestGate(t, Config{EndGrace: 10 * time.Second})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	tg.deliver(t, ev(cti.End, "a1"))
	tg.settle()
	tg.clock.Advance(10*time.Second - time.Millisecond)
	tg.settle()
	if s.State() != StateHeld || tg.Len() != 1 {
		t.Fatalf("ended before the grace: %s", s.State())
	}
	tg.clock.Advance(time.Millisecond)
	tg.settle()
	if got, want := leg.trace(), "activate:a1,pause,end:cti-end"; got != want {
		t.Fatalf("leg calls %q, want %q", got, want)
	}
	if s.State() != StateEnded || tg.Len() != 0 {
		t.Fatalf("state %s len %d, want ended and unregistered", s.State(), tg.Len())
	}
	// The ended session no longer matches; the event is cached instead.
	if res := tg.deliver(t, ev(cti.Start, "a3")); res.Outcome != Cached {
		t.Fatalf("outcome %s, want cached", res.Outcome)
	}
	if v := tg.metric(t, "cogito_edge_gate_transitions_total", "from", "held", "to", "ended"); v != 1 {
		t.Fatalf("held->ended transitions = %v", v)
	}
}

func TestMatchTimeout(t *testing.T) {
	tests := map[string]struct {
		policy    OnTimeout
		state     State
		calls     string
		len       int
		lateStart string // leg trace after a late start
	}{
		"keep inactive": {KeepInactive, StateUnmatched, "", 1, "activate:a1"},
		"bye":           {Bye, StateEnded, "end:match-timeout", 0, "end:match-timeout"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tg := newTestGate(t, Config{MatchTimeout: 60 * time.Second, OnTimeout: tt.policy})
			s, leg := tg.offer(t, "s1", convKey(conv1))
			tg.clock.Advance(59 * time.Second)
			tg.settle()
			if s.State() != StatePending {
				t.Fatalf("state %s before the timeout", s.State())
			}
			tg.clock.Advance(time.Second)
			tg.settle()
			if s.State() != tt.state || leg.trace() != tt.calls || tg.Len() != tt.len {
				t.Fatalf("after timeout: state %s calls %q len %d", s.State(), leg.trace(), tg.Len())
			}
			tg.deliver(t, ev(cti.Start, "a1"))
			tg.settle()
			if got := leg.trace(); got != tt.lateStart {
				t.Fatalf("after late start: calls %q, want %q", got, tt.lateStart)
			}
		})
	}
}

func TestMatchTimeoutNotAfterStart(t *testing.T) {
	tg := newTestGate(t, Config{MatchTimeout: time.Second, OnTimeout: Bye})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	tg.clock.Advance(time.Hour)
	tg.settle()
	if s.State() != StateActive || leg.trace() != "activate:a1" {
		t.Fatalf("state %s calls %q", s.State(), leg.trace())
	}
}

func TestActivateFailureLeavesPending(t *testing.T) {
	tg := newTestGate(t, Config{})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	leg.setFail("activate", errTest)
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	if s.State() != StatePending {
		t.Fatalf("state %s, want pending after a failed activate", s.State())
	}
	if v := tg.metric(t, "cogito_edge_gate_leg_errors_total", "op", "activate"); v != 1 {
		t.Fatalf("leg errors = %v", v)
	}
	// No retry of its own; the next matching start retries.
	leg.setFail("activate", nil)
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	if s.State() != StateActive || leg.trace() != "activate:a1,activate:a1" {
		t.Fatalf("state %s calls %q", s.State(), leg.trace())
	}
	snap := s.Snapshot()
	if snap.LegErrors != 1 || !hasReason(snap.Transitions, "activate-failed") {
		t.Fatalf("snapshot %+v", snap)
	}
}

func TestSessionClose(t *testing.T) {
	tg := newTestGate(t, Config{})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	tg.deliver(t, ev(cti.Start, "a1"))
	tg.settle()
	s.Close("bye")
	s.Close("bye") // idempotent
	tg.settle()
	if s.State() != StateEnded || tg.Len() != 0 {
		t.Fatalf("state %s len %d", s.State(), tg.Len())
	}
	if got := leg.trace(); got != "activate:a1" {
		t.Fatalf("calls %q: Close must not call Leg.End", got)
	}
	if s.Snapshot().EndReason != "bye" {
		t.Fatal("end reason not kept")
	}
	if _, err := tg.Offer("s1", s.Snapshot().Keys, SessionInfo{}, newFakeLeg()); err != nil {
		t.Fatalf("re-offer of an ended id: %v", err)
	}
}

func TestSessionCloseCancelsInflightCall(t *testing.T) {
	tg := newTestGate(t, Config{})
	s, leg := tg.offer(t, "s1", convKey(conv1))
	leg.blockOp("activate")
	leg.entered = make(chan string, 4)
	tg.deliver(t, ev(cti.Start, "a1"))
	<-leg.entered
	s.Close("cancel")
	tg.settle() // returns only because Close cancelled the blocked Activate
	if got := leg.trace(); got != "activate:a1" {
		t.Fatalf("calls %q", got)
	}
	if v := tg.metric(t, "cogito_edge_gate_leg_errors_total", "op", "activate"); v != 0 {
		t.Fatalf("a call cancelled by Close counted as a leg error: %v", v)
	}
}

func hasReason(ts []Transition, reason string) bool {
	for _, tr := range ts {
		if strings.Contains(tr.Reason, reason) {
			return true
		}
	}
	return false
}
