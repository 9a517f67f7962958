package control

import (
	"slices"
	"sync"

	"github.com/cogito/cogito-edge/appliance/gate"
)

// announcer holds the session announcements not yet sent. It coalesces
// them by session (the latest state wins), so it never holds more than
// one per session however fast sessions change, and it keeps nothing while
// the channel is down: the hello of the next connection carries the
// sessions as they are then.
type announcer struct {
	ready chan struct{} // has a value when pending is not empty

	mu      sync.Mutex // guards the fields below
	active  bool       // a connection takes announcements
	pending map[string]Session
	order   []string // ids in pending, oldest change first
}

func newAnnouncer() *announcer {
	return &announcer{ready: make(chan struct{}, 1), pending: make(map[string]Session)}
}

// put queues s if a connection takes announcements. It never blocks: the
// gate calls it with its lock held.
func (a *announcer) put(s gate.Snapshot) {
	a.mu.Lock()
	if !a.active {
		a.mu.Unlock()
		return
	}
	if _, ok := a.pending[s.ID]; !ok {
		a.order = append(a.order, s.ID)
	}
	a.pending[s.ID] = SessionOf(s)
	a.mu.Unlock()
	select {
	case a.ready <- struct{}{}:
	default:
	}
}

// take returns the pending announcements, oldest first, and empties the
// queue.
func (a *announcer) take() []Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Session, 0, len(a.order))
	for _, id := range a.order {
		out = append(out, a.pending[id])
	}
	clear(a.pending)
	a.order = a.order[:0]
	return out
}

// start makes a new connection take announcements from now on, dropping
// what an earlier one left. Call it before taking the sessions' snapshot
// for the hello: a change is then either in the snapshot or queued.
func (a *announcer) start() { a.setActive(true) }

// stop drops the queue when a connection ends.
func (a *announcer) stop() { a.setActive(false) }

func (a *announcer) setActive(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.active = on
	clear(a.pending)
	a.order = slices.Delete(a.order, 0, len(a.order))
	select {
	case <-a.ready:
	default:
	}
}
