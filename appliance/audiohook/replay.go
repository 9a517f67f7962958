package audiohook

import (
	"container/heap"
	"sync"
	"time"
)

// replayCache remembers the nonces of accepted signatures until the time
// after which the signature would be refused as expired anyway, so a
// captured upgrade cannot be replayed within its lifetime. It is bounded:
// only signatures that verified are added, so filling it takes the secret,
// and when full it refuses rather than forgets (ErrReplayCacheFull).
type replayCache struct {
	max int

	mu    sync.Mutex // guards the fields below
	seen  map[string]time.Time
	order expiryHeap
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, seen: make(map[string]time.Time)}
}

// add records key until expiry. It returns ErrNonceReused if key is live,
// ErrReplayCacheFull if the cache holds max live keys.
func (c *replayCache) add(key string, expiry, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked(now)
	if _, ok := c.seen[key]; ok {
		return ErrNonceReused
	}
	if len(c.seen) >= c.max {
		return ErrReplayCacheFull
	}
	c.seen[key] = expiry
	heap.Push(&c.order, expiryEntry{key: key, at: expiry})
	return nil
}

// pruneLocked forgets every key whose expiry has passed.
func (c *replayCache) pruneLocked(now time.Time) {
	for c.order.Len() > 0 && !c.order[0].at.After(now) {
		e := heap.Pop(&c.order).(expiryEntry)
		delete(c.seen, e.key)
	}
}

// len returns the number of live keys at now.
func (c *replayCache) len(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pruneLocked(now)
	return len(c.seen)
}

type expiryEntry struct {
	key string
	at  time.Time
}

// expiryHeap is a min-heap of keys by expiry.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
