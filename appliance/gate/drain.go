package gate

import (
	"context"
	"fmt"
)

// Drain ends every session with Leg.End("shutdown") and waits until each
// End has returned, or ctx is done (then it returns ctx's error; calls still
// in flight are cancelled). From the first call on, Offer fails with
// ErrDraining so the SIP side answers 503. Letting live calls finish first
// (DESIGN §10) is the caller's part: wait for Len to reach zero or the drain
// timeout, then call Drain.
func (g *Gate) Drain(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return fmt.Errorf("gate.Drain: %w", ErrClosed)
	}
	g.draining = true
	g.drainCtx = ctx
	// Sessions that ended earlier but whose End is still in flight are
	// waited for too.
	wait := make([]*Session, 0, len(g.live))
	for s := range g.live {
		wait = append(wait, s)
		g.endLocked(s, "shutdown")
	}
	g.mu.Unlock()

	for _, s := range wait {
		select {
		case <-s.done:
		case <-ctx.Done():
			return fmt.Errorf("gate.Drain: %d sessions: %w", len(wait), ctx.Err())
		}
	}
	return nil
}
