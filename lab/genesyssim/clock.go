package genesyssim

import (
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti/genesys"
)

// ManualClock is a genesys.Clock that moves only when told. A test shares
// one between the simulator (heartbeats, channel expiry) and the tracker
// (heartbeat watchdog, keepalive, renewal, user refresh), so that 70 s
// without a heartbeat or 23 h of channel life pass in an instant.
type ManualClock struct {
	mu     sync.Mutex // guards the fields below
	now    time.Time
	timers []*manualTimer
}

// NewManualClock returns a clock reading start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer firing once the clock has moved d ahead.
func (c *ManualClock) NewTimer(d time.Duration) genesys.Timer {
	t := &manualTimer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.when, t.armed, t.listed = c.now.Add(d), true, true
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock d ahead and fires every timer due by then.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	live := c.timers[:0]
	for _, t := range c.timers {
		if !t.armed {
			t.listed = false
			continue
		}
		if !t.when.After(c.now) {
			t.armed, t.listed = false, false
			select {
			case t.ch <- c.now:
			default:
			}
			continue
		}
		live = append(live, t)
	}
	c.timers = live
}

// Armed reports how many timers are waiting.
func (c *ManualClock) Armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.armed {
			n++
		}
	}
	return n
}

// manualTimer is a ManualClock's timer.
type manualTimer struct {
	c      *ManualClock
	ch     chan time.Time
	when   time.Time // guarded by c.mu
	armed  bool      // guarded by c.mu
	listed bool      // in c.timers; guarded by c.mu
}

func (t *manualTimer) C() <-chan time.Time { return t.ch }

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.armed
	t.armed = false
	t.drainLocked()
	return was
}

func (t *manualTimer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.drainLocked()
	t.when, t.armed = t.c.now.Add(d), true
	if !t.listed {
		t.listed = true
		t.c.timers = append(t.c.timers, t)
	}
}

func (t *manualTimer) drainLocked() {
	select {
	case <-t.ch:
	default:
	}
}
