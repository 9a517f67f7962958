package gate

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// Gate is the session registry and CTI state machine. Create it with New;
// its methods are safe for concurrent use.
type Gate struct {
	log   *slog.Logger
	m     *Metrics
	clock Clock

	// base is the parent of every session context; Close cancels it so
	// that in-flight Leg calls stop.
	base       context.Context
	cancelBase context.CancelFunc
	closedCh   chan struct{} // closed by Close; stops Run
	running    atomic.Bool   // Run is active
	workers    sync.WaitGroup

	// mu guards every field below and every guarded field of every Session
	// (see Session). It is never held across a Leg call.
	mu       sync.Mutex
	cfg      Config
	closed   bool
	draining bool
	drainCtx context.Context       // bounds Leg.End during Drain
	sessions map[string]*Session   // registered: not ended
	live     map[*Session]struct{} // not finished: registered, or ended with a Leg call to come
	index    map[callkey.Key][]*Session
	cache    *earlyCache
	observer Observer // nil: none; see SetObserver
}

// New validates cfg and returns a gate. A nil log discards, nil metrics are
// created unregistered, and a nil clock is the system clock. New starts no
// goroutine; see Run.
func New(cfg Config, log *slog.Logger, m *Metrics, clock Clock) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	if clock == nil {
		clock = SystemClock()
	}
	base, cancel := context.WithCancel(context.Background())
	return &Gate{
		log:        log.With("component", "gate"),
		m:          m,
		clock:      clock,
		base:       base,
		cancelBase: cancel,
		closedCh:   make(chan struct{}),
		cfg:        cfg.withDefaults(),
		sessions:   make(map[string]*Session),
		live:       make(map[*Session]struct{}),
		index:      make(map[callkey.Key][]*Session),
		cache:      newEarlyCache(),
	}, nil
}

// Offer registers a new pending session with its match keys and the leg
// the gate will drive, then replays any cached CTI events that share a key
// with it (a start that came before the INVITE still matches). Keys may be
// empty and added later with UpdateKeys.
func (g *Gate) Offer(id string, keys callkey.Set, info SessionInfo, leg Leg) (*Session, error) {
	if id == "" || leg == nil {
		return nil, fmt.Errorf("gate.Offer: %w: empty id or nil leg", ErrInvalidSession)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.closed:
		return nil, fmt.Errorf("gate.Offer: %w", ErrClosed)
	case g.draining:
		return nil, fmt.Errorf("gate.Offer: %w", ErrDraining)
	case g.sessions[id] != nil:
		return nil, fmt.Errorf("gate.Offer: %w: %q", ErrDuplicateSession, id)
	}
	now := g.clock.Now()
	ctx, cancel := context.WithCancel(g.base)
	s := &Session{
		g:         g,
		id:        id,
		leg:       leg,
		info:      info,
		offeredAt: now,
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
		state:     StatePending,
		idle:      StatePending,
	}
	s.recordLocked(Transition{To: StatePending, At: now, Reason: "offer"})
	g.sessions[id] = s
	g.live[s] = struct{}{}
	g.m.sessions.WithLabelValues(string(StatePending)).Inc()
	g.addKeysLocked(s, keys)
	g.armMatchLocked(s)
	g.log.Debug("session offered", "session", id, "keys", s.keys.Len(), "source", info.Source)
	g.notifyLocked(s)
	g.replayLocked(s)
	return s, nil
}

// Len returns the number of registered (not ended) sessions.
func (g *Gate) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sessions)
}

// Counts returns the number of registered sessions in each live state;
// every live state is present, with zero when empty (for STATUS lines).
func (g *Gate) Counts() map[State]int {
	out := make(map[State]int, len(liveStates))
	for _, st := range liveStates {
		out[st] = 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range g.sessions {
		out[s.state]++
	}
	return out
}

// Sessions returns snapshots of every registered session, oldest offer first.
func (g *Gate) Sessions() []Snapshot {
	g.mu.Lock()
	out := make([]Snapshot, 0, len(g.sessions))
	for _, s := range g.sessions {
		out = append(out, s.snapshotLocked())
	}
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b Snapshot) int {
		return cmp.Or(a.OfferedAt.Compare(b.OfferedAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Reconfigure applies new timers and bounds (SIGHUP). Pending sessions get
// their match deadline recomputed from their offer time; a running end grace
// keeps its deadline; the cache is trimmed to the new bound at once and
// cached events expire by the new TTL.
func (g *Gate) Reconfigure(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return fmt.Errorf("gate.Reconfigure: %w", ErrClosed)
	}
	g.cfg = cfg.withDefaults()
	for _, s := range g.sessions {
		if s.state == StatePending {
			g.armMatchLocked(s)
		}
	}
	g.cache.trimLocked(g.cfg.MaxEarlyEvents, g.m)
	g.m.cacheSize.Set(float64(g.cache.len()))
	return nil
}

// Close stops the gate: Offer, Deliver and Drain fail with ErrClosed, timers
// stop, in-flight Leg calls are cancelled, and Close waits for the session
// workers to return. It calls no Leg.End (that is Drain's job). Close is
// idempotent.
func (g *Gate) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	close(g.closedCh)
	g.cancelBase()
	for _, s := range g.sessions {
		s.stopTimersLocked()
		if !s.working {
			s.finishLocked()
		}
	}
	g.mu.Unlock()
	// No worker starts once closed is set, so Wait cannot race an Add.
	g.workers.Wait()
	return nil
}

// setStateLocked moves s to st, recording the transition and updating the
// metrics. Ended sessions leave the gauge: they are no longer registered.
func (g *Gate) setStateLocked(s *Session, st State, reason string) {
	from := s.state
	if from == st {
		return
	}
	s.state = st
	s.recordLocked(Transition{From: from, To: st, At: g.clock.Now(), Reason: reason})
	g.m.sessions.WithLabelValues(string(from)).Dec()
	if st != StateEnded {
		g.m.sessions.WithLabelValues(string(st)).Inc()
	}
	g.m.transitions.WithLabelValues(string(from), string(st)).Inc()
	g.log.Debug("session state", "session", s.id, "from", from, "to", st, "reason", reason)
	g.notifyLocked(s)
}

// endLocked makes s ended, removes it from the registry and the key index,
// and lets the worker call Leg.End(reason) unless legDone is set.
func (g *Gate) endLocked(s *Session, reason string) {
	if s.state == StateEnded {
		return
	}
	s.stopTimersLocked()
	s.endReason = reason
	s.endedAt = g.clock.Now()
	g.setStateLocked(s, StateEnded, reason)
	if g.sessions[s.id] == s {
		delete(g.sessions, s.id)
	}
	for _, k := range s.keys.Keys() {
		g.unindexLocked(k, s)
	}
	g.log.Info("session ended", "session", s.id, "reason", reason)
	g.kickLocked(s)
}

// addKeysLocked adds keys to s and to the index; it reports whether any key is new.
func (g *Gate) addKeysLocked(s *Session, keys callkey.Set) bool {
	changed := false
	for _, k := range keys.Keys() {
		if s.keys.Add(k) {
			g.index[k] = append(g.index[k], s)
			changed = true
		}
	}
	return changed
}

func (g *Gate) unindexLocked(k callkey.Key, s *Session) {
	list := slices.DeleteFunc(g.index[k], func(x *Session) bool { return x == s })
	if len(list) == 0 {
		delete(g.index, k)
		return
	}
	g.index[k] = list
}

// matchLocked returns the registered sessions sharing any key with keys,
// each once, in offer order so that logs and results are deterministic.
func (g *Gate) matchLocked(keys callkey.Set) []*Session {
	var out []*Session
	for _, k := range keys.Keys() {
		for _, s := range g.index[k] {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Session) int {
		return cmp.Or(a.offeredAt.Compare(b.offeredAt), cmp.Compare(a.id, b.id))
	})
	return out
}
