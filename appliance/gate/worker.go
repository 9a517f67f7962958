package gate

import (
	"context"
	"errors"
	"time"
)

// legOp is one Leg call.
type legOp uint8

const (
	opNone legOp = iota
	opActivate
	opPause
	opResume
	opEnd
)

func (o legOp) String() string {
	switch o {
	case opActivate:
		return "activate"
	case opPause:
		return "pause"
	case opResume:
		return "resume"
	case opEnd:
		return "end"
	}
	return "none"
}

// nextOpLocked returns the Leg call that brings the leg one step closer to
// the session's state. The worker asks again after every call, so it always
// works towards the latest state rather than replaying every event.
func (s *Session) nextOpLocked() legOp {
	if s.legDone {
		return opNone
	}
	switch s.state {
	case StateEnded:
		// Also for a leg never activated: a pending SIPREC dialog still needs a BYE.
		return opEnd
	case StateActive:
		if !s.legUp {
			return opActivate
		}
		if s.legPaused {
			return opResume
		}
	case StateHeld:
		// A hold before the first activation needs no call: the leg is
		// still inactive, and the resume will activate it.
		if s.legUp && !s.legPaused {
			return opPause
		}
	}
	return opNone
}

// kickLocked starts the session's worker if the leg is behind and none runs.
func (g *Gate) kickLocked(s *Session) {
	if s.working {
		return
	}
	if g.closed || s.nextOpLocked() == opNone {
		if s.state == StateEnded || g.closed {
			s.finishLocked()
		}
		return
	}
	s.working = true
	g.workers.Add(1)
	go g.routineSession(s)
}

// routineSession is a session's worker: it makes the Leg calls one at a
// time until the leg has caught up with the session's state, then exits.
func (g *Gate) routineSession(s *Session) {
	defer g.workers.Done()
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		op := s.nextOpLocked()
		if op == opNone || g.closed {
			s.working = false
			if s.state == StateEnded || g.closed {
				s.finishLocked()
			}
			return
		}
		// Record the intended leg state before the call, so that events
		// arriving meanwhile see the leg as it will be (an end during an
		// in-flight Activate takes the end-grace path, not the undo path).
		var (
			act    Activation
			reason = s.endReason
		)
		switch op {
		case opActivate:
			s.legUp = true
			act = s.activationLocked()
		case opPause:
			s.legPaused = true
		case opResume:
			s.legPaused = false
		case opEnd:
			s.legDone = true
		}
		timeout, drainCtx := g.cfg.LegTimeout, g.drainCtx

		g.mu.Unlock()
		start := g.clock.Now()
		err := callLeg(s.ctx, drainCtx, timeout, s, op, act, reason)
		g.mu.Lock()

		if err != nil {
			// A call cancelled because the far side hung up (Session.Close)
			// or the gate closed did not fail: nobody wants its result. A
			// cancelled End (Drain ran out of time) did fail: no BYE went out.
			if (g.closed || (op != opEnd && s.legDone)) && errors.Is(err, context.Canceled) {
				g.log.Debug("leg call cancelled", "session", s.id, "op", op.String())
				continue
			}
			g.legFailedLocked(s, op, err, g.clock.Now().Sub(start))
			continue
		}
		if op == opActivate && s.activatedAt.IsZero() {
			s.activatedAt = g.clock.Now()
			g.m.latency.Observe(s.activatedAt.Sub(s.offeredAt).Seconds())
			if !s.matchedAt.IsZero() {
				g.m.matchLatency.Observe(s.activatedAt.Sub(s.matchedAt).Seconds())
			}
			g.log.Info("session activated", "session", s.id, "agent", act.AgentID,
				"direction", act.Direction, "latency", s.activatedAt.Sub(s.offeredAt))
		}
	}
}

// callLeg makes one Leg call bounded by the session context, the leg
// timeout and, during Drain, the drain context.
func callLeg(parent, drainCtx context.Context, timeout time.Duration, s *Session, op legOp, act Activation, reason string) error {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	if drainCtx != nil {
		stop := context.AfterFunc(drainCtx, cancel)
		defer stop()
	}
	switch op {
	case opActivate:
		return s.leg.Activate(ctx, act)
	case opPause:
		return s.leg.Pause(ctx)
	case opResume:
		return s.leg.Resume(ctx)
	case opEnd:
		return s.leg.End(ctx, reason)
	}
	return nil
}

// legFailedLocked logs and counts a failed call. A failed Activate undoes
// the activation: the session waits again in pending (or unmatched) and the
// next matching start retries. Other failures keep the state: the leg's
// real state is unknown and a retry loop of re-INVITEs would not help.
func (g *Gate) legFailedLocked(s *Session, op legOp, err error, took time.Duration) {
	s.legErrors++
	g.m.legErrors.WithLabelValues(op.String()).Inc()
	g.log.Warn("leg call failed", "session", s.id, "op", op.String(), "took", took, "err", err)
	if op != opActivate || s.state == StateEnded {
		return
	}
	s.legUp = false
	s.legPaused = false
	s.stopGraceLocked()
	g.setStateLocked(s, s.idle, "activate-failed")
}
