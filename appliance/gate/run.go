package gate

import (
	"context"
	"time"
)

// Run prunes the early-event cache every so often, so that expired events
// leave memory and the cache gauge even when no event or offer arrives. The
// session timers run on the clock without it. Run returns nil when ctx is
// done or the gate is closed.
func (g *Gate) Run(ctx context.Context) error {
	if !g.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer g.running.Store(false)
	tick := make(chan struct{}, 1)
	for {
		g.mu.Lock()
		if g.closed {
			g.mu.Unlock()
			return nil
		}
		every := pruneInterval(g.cfg.EarlyEventTTL)
		g.mu.Unlock()

		t := g.clock.AfterFunc(every, func() {
			select {
			case tick <- struct{}{}:
			default:
			}
		})
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-g.closedCh:
			t.Stop()
			return nil
		case <-tick:
			g.prune()
		}
	}
}

// pruneInterval keeps an expired event at most about a quarter TTL past
// its expiry, without waking more than once a second or less than every 10s.
func pruneInterval(ttl time.Duration) time.Duration {
	return min(max(ttl/4, time.Second), 10*time.Second)
}

func (g *Gate) prune() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cache.pruneLocked(g.clock.Now(), g.cfg.EarlyEventTTL, g.m) > 0 {
		g.log.Debug("early events expired", "left", g.cache.len())
	}
	g.m.cacheSize.Set(float64(g.cache.len()))
}
