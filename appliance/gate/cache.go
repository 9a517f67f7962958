package gate

import (
	"cmp"
	"container/list"
	"slices"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// earlyCache holds CTI events that matched no session, for the session that
// has not been offered yet (DESIGN §5, §12: the cloud may broadcast an event
// to every appliance). Entries are in arrival order and indexed by each of
// their keys. It is guarded by Gate.mu.
type earlyCache struct {
	order *list.List // of *cachedEvent, oldest first
	byKey map[callkey.Key][]*cachedEvent
	seq   uint64 // arrival counter; orders replay even when clock readings tie
}

type cachedEvent struct {
	ev   cti.Event
	keys callkey.Set
	at   time.Time
	seq  uint64
	elem *list.Element
}

func newEarlyCache() *earlyCache {
	return &earlyCache{order: list.New(), byKey: make(map[callkey.Key][]*cachedEvent)}
}

func (c *earlyCache) len() int { return c.order.Len() }

// addLocked appends ev, evicting the oldest events beyond limit.
func (c *earlyCache) addLocked(ev cti.Event, keys callkey.Set, now time.Time, limit int, m *Metrics) {
	c.seq++
	ce := &cachedEvent{ev: ev, keys: keys, at: now, seq: c.seq}
	ce.elem = c.order.PushBack(ce)
	for _, k := range keys.Keys() {
		c.byKey[k] = append(c.byKey[k], ce)
	}
	c.trimLocked(limit, m)
}

// trimLocked evicts the oldest events until at most limit remain.
func (c *earlyCache) trimLocked(limit int, m *Metrics) {
	for c.order.Len() > limit {
		ce := c.order.Front().Value.(*cachedEvent)
		c.removeLocked(ce)
		m.event(string(ce.ev.Type), outcomeEvicted)
	}
}

// pruneLocked drops events older than ttl. Arrival order is expiry order
// for a fixed ttl, so it stops at the first live event; after a TTL change
// the next call catches up.
func (c *earlyCache) pruneLocked(now time.Time, ttl time.Duration, m *Metrics) int {
	n := 0
	for e := c.order.Front(); e != nil; e = c.order.Front() {
		ce := e.Value.(*cachedEvent)
		if now.Sub(ce.at) < ttl {
			break
		}
		c.removeLocked(ce)
		m.event(string(ce.ev.Type), outcomeExpired)
		n++
	}
	return n
}

// takeLocked removes and returns, oldest first, every event sharing a key
// with keys. Taken events are consumed: replaying them again on the next
// UpdateKeys would start a session twice.
func (c *earlyCache) takeLocked(keys callkey.Set) []cti.Event {
	var hits []*cachedEvent
	for _, k := range keys.Keys() {
		for _, ce := range c.byKey[k] {
			if !slices.Contains(hits, ce) {
				hits = append(hits, ce)
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b *cachedEvent) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]cti.Event, len(hits))
	for i, ce := range hits {
		out[i] = ce.ev
		c.removeLocked(ce)
	}
	return out
}

func (c *earlyCache) removeLocked(ce *cachedEvent) {
	c.order.Remove(ce.elem)
	for _, k := range ce.keys.Keys() {
		list := slices.DeleteFunc(c.byKey[k], func(x *cachedEvent) bool { return x == ce })
		if len(list) == 0 {
			delete(c.byKey, k)
		} else {
			c.byKey[k] = list
		}
	}
}
