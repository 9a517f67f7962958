package gate

import (
	"context"
	"fmt"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Outcome says what Deliver did with an event.
type Outcome string

// Deliver outcomes.
const (
	// Matched: the event changed at least one session.
	Matched Outcome = outcomeMatched
	// Ignored: the event matched sessions but was out of order or a
	// duplicate for every one of them (hold while pending, a second start).
	Ignored Outcome = outcomeIgnored
	// Cached: no session shares a key; the event waits for early_event_ttl.
	Cached Outcome = outcomeCached
)

// DeliverResult reports what Deliver did, for the admin API and the CTI
// source's logs.
type DeliverResult struct {
	Outcome Outcome `json:"outcome"`
	// Applied lists the sessions the event changed.
	Applied []string `json:"applied,omitempty"`
	// Ignored lists the sessions that matched but for which it was a no-op.
	Ignored []string `json:"ignored,omitempty"`
}

// Deliver applies a CTI event to every session sharing one of its keys, or
// caches it when there is none. It never waits for a Leg call: the leg
// catches up in the session's worker. Only an invalid event (wrapping
// cti.ErrInvalid), a done ctx or a closed gate are errors; out-of-order and
// duplicate events are tolerated and counted.
func (g *Gate) Deliver(ctx context.Context, ev cti.Event) (DeliverResult, error) {
	if err := ctx.Err(); err != nil {
		return DeliverResult{}, err
	}
	if err := ev.Validate(); err != nil {
		g.m.event(string(ev.Type), outcomeInvalid)
		return DeliverResult{}, fmt.Errorf("gate.Deliver: %w", err)
	}
	keys := ev.Keys()

	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return DeliverResult{}, fmt.Errorf("gate.Deliver: %w", ErrClosed)
	}
	now := g.clock.Now()
	g.cache.pruneLocked(now, g.cfg.EarlyEventTTL, g.m)

	matched := g.matchLocked(keys)
	if len(matched) == 0 {
		g.cache.addLocked(ev, keys, now, g.cfg.MaxEarlyEvents, g.m)
		g.m.cacheSize.Set(float64(g.cache.len()))
		g.m.event(string(ev.Type), outcomeCached)
		g.log.Debug("cti event cached", "type", ev.Type, "keys", keys.Len())
		return DeliverResult{Outcome: Cached}, nil
	}
	var res DeliverResult
	for _, s := range matched {
		if g.applyLocked(s, &ev) {
			res.Applied = append(res.Applied, s.id)
		} else {
			res.Ignored = append(res.Ignored, s.id)
		}
	}
	// A start may have taught sessions new keys that cached events carry.
	for _, s := range matched {
		g.replayLocked(s)
	}
	res.Outcome = Ignored
	if len(res.Applied) > 0 {
		res.Outcome = Matched
	}
	g.m.event(string(ev.Type), string(res.Outcome))
	return res, nil
}

// replayLocked applies the cached events that share a key with s, oldest
// first. All of them are applied under one hold of g.mu before the worker
// can look, so a cached start followed by a cached end never reaches
// Leg.Activate. A start may teach s new keys, so it loops until the cache
// has nothing more for s.
func (g *Gate) replayLocked(s *Session) {
	now := g.clock.Now()
	g.cache.pruneLocked(now, g.cfg.EarlyEventTTL, g.m)
	for s.state != StateEnded {
		evs := g.cache.takeLocked(s.keys)
		if len(evs) == 0 {
			break
		}
		for i := range evs {
			g.m.event(string(evs[i].Type), outcomeReplayed)
			g.applyLocked(s, &evs[i])
		}
	}
	g.m.cacheSize.Set(float64(g.cache.len()))
}

// applyLocked runs one event through s's state machine and reports whether
// it changed anything. Leg calls are left to the worker (kickLocked).
func (g *Gate) applyLocked(s *Session, ev *cti.Event) bool {
	if s.state == StateEnded {
		return false
	}
	applied := false
	switch ev.Type {
	case cti.Start:
		applied = g.startLocked(s, ev)
	case cti.Hold:
		if s.state == StateActive {
			g.setStateLocked(s, StateHeld, "cti-hold")
			applied = true
		}
	case cti.Resume:
		if s.state == StateHeld && !s.ending {
			g.setStateLocked(s, StateActive, "cti-resume")
			applied = true
		}
	case cti.End:
		applied = g.ctiEndLocked(s)
	}
	if applied {
		g.kickLocked(s)
	} else {
		g.log.Debug("cti event ignored", "session", s.id, "type", ev.Type, "state", s.state, "ending", s.ending)
	}
	return applied
}

// startLocked applies a CTI start. A start that matches also teaches s the
// event's other keys, so later events that carry only one of them (Genesys
// may send only the conversation id) still find it; Deliver then replays the
// cache for those keys. A duplicate start is ignored even if it taught keys.
func (g *Gate) startLocked(s *Session, ev *cti.Event) bool {
	if g.addKeysLocked(s, ev.Keys()) {
		g.notifyLocked(s)
	}
	agentChanged := s.updateCallLocked(ev)
	switch s.state {
	case StatePending, StateUnmatched:
		s.matchedAt = g.clock.Now()
		g.setStateLocked(s, StateActive, "cti-start")
		return true
	case StateActive:
		if agentChanged {
			s.recordLocked(Transition{From: StateActive, To: StateActive, At: g.clock.Now(), Reason: "cti-start-agent"})
		}
		return agentChanged
	case StateHeld:
		// Within the end grace, any start continues the same recording
		// (DESIGN §1: a transfer to another agent). On a plain hold, a
		// start for another agent means the call moved to that agent.
		switch {
		case s.ending:
			s.stopGraceLocked()
			g.setStateLocked(s, StateActive, "cti-start-in-grace")
			return true
		case agentChanged:
			g.setStateLocked(s, StateActive, "cti-start-agent")
			return true
		}
	}
	return false
}

// ctiEndLocked applies a CTI end: pause and start the end grace. If the leg
// was never activated (a start then an end before the worker ran, or before
// the INVITE), nothing was recorded: the session returns to where it waited.
func (g *Gate) ctiEndLocked(s *Session) bool {
	if (s.state != StateActive && s.state != StateHeld) || s.ending {
		return false
	}
	if !s.legUp {
		g.setStateLocked(s, s.idle, "cti-end-before-activation")
		return true
	}
	if s.state == StateHeld {
		s.recordLocked(Transition{From: StateHeld, To: StateHeld, At: g.clock.Now(), Reason: "cti-end"})
	}
	g.setStateLocked(s, StateHeld, "cti-end")
	g.armGraceLocked(s)
	return true
}
