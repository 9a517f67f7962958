package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Engine owns the port pool and the clock workers of all sessions. A fixed
// number of workers (GOMAXPROCS by default) each tick a shard of the
// sessions once per frame period, instead of a timer goroutine per
// session: 2,000 sessions cost a handful of goroutines and timer wake-ups.
//
//	NewEngine (validate) ──Start──▶ running ──Close──▶ closed
//	NewEngine ──Close──▶ closed (Close unwinds whatever Start did)
type Engine struct {
	p     engineParams
	log   *slog.Logger
	m     *Metrics
	pool  *PortPool
	epoch time.Time        // origin of the tick grid
	now   func() time.Time // time source for state changes; tests may replace it

	workers []*worker
	next    atomic.Uint32 // round-robin worker assignment

	// mu guards started, closed, sessions and cancel. Lock order: mu, then
	// a worker's mu; never a Session's lock under mu.
	mu       sync.Mutex
	started  bool
	closed   bool
	sessions map[*Session]struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup // clock workers

	closeOnce sync.Once
	closeErr  error
}

// worker is one clock goroutine and its shard of sessions.
type worker struct {
	// mu guards sessions.
	mu       sync.Mutex
	sessions []*Session
	snap     []*Session   // the goroutine's copy for one tick, reused
	lastTick atomic.Int64 // UnixNano of the last tick done; see LastTick
}

// NewEngine validates cfg and prepares an engine; it binds nothing and
// starts nothing. log and m may be nil.
func NewEngine(cfg EngineConfig, log *slog.Logger, m *Metrics) (*Engine, error) {
	p, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	e := &Engine{
		p:        p,
		log:      log.With("component", "media"),
		m:        m,
		pool:     newPortPool(p.addr, p.portLo, p.pairs, m),
		epoch:    time.Now(),
		now:      time.Now,
		sessions: make(map[*Session]struct{}),
	}
	for range p.workers {
		e.workers = append(e.workers, &worker{})
	}
	return e, nil
}

// Ports returns the engine's port pool: the SIP layer leases RTP ports
// from it before answering, and reads Free for readiness.
func (e *Engine) Ports() *PortPool { return e.pool }

// FramePeriod returns the frame length in use.
func (e *Engine) FramePeriod() time.Duration { return e.p.period }

// Start starts the clock workers. They run until ctx ends or Close.
// Starting twice is a no-op; starting after Close fails.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed:
		return ErrEngineClosed
	case e.started:
		return nil
	}
	ctx, e.cancel = context.WithCancel(ctx)
	e.started = true
	for _, w := range e.workers {
		e.wg.Go(func() { e.routineClock(ctx, w) })
	}
	e.log.Info("media: engine started", "address", e.p.addr, "port_pairs", e.p.pairs,
		"frame", e.p.period, "playout_delay", time.Duration(e.p.delaySamples)*sampleDuration, "workers", len(e.workers))
	return nil
}

// Close closes every open session (flushing their audio), stops the
// workers and closes sockets of leases no stream took. Idempotent.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() { e.closeErr = e.close() })
	return e.closeErr
}

func (e *Engine) close() error {
	e.mu.Lock()
	e.closed = true
	sessions := make([]*Session, 0, len(e.sessions))
	for s := range e.sessions {
		sessions = append(sessions, s)
	}
	e.mu.Unlock()

	var errs []error
	for _, s := range sessions {
		errs = append(errs, s.Close())
	}
	e.mu.Lock()
	cancel := e.cancel
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	e.wg.Wait()
	errs = append(errs, e.pool.closeHeld())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("media: close engine: %w", err)
	}
	return nil
}

// NewSession creates a session that hands its frames to sink (nil
// discards them). It starts inactive; add streams, then Activate. On a
// closed engine the session is born closed and AddStream fails.
func (e *Engine) NewSession(id string, sink Sink) *Session {
	if sink == nil {
		sink = discardSink{}
	}
	s := &Session{
		id:   id,
		eng:  e,
		sink: sink,
		log:  e.log.With("session", id),
		fr:   newFramer(&e.p, e.m),
	}
	s.w = e.workers[int(e.next.Add(1)-1)%len(e.workers)]

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		s.state = stateClosed
		s.closeOnce.Do(func() {})
		return s
	}
	// Registered with the engine and its worker in one step, so a
	// concurrent engine Close either sees the session or refuses it.
	e.sessions[s] = struct{}{}
	s.w.mu.Lock()
	s.w.sessions = append(s.w.sessions, s)
	s.w.mu.Unlock()
	e.m.sessions.Inc()
	return s
}

func (e *Engine) removeSession(s *Session) {
	e.mu.Lock()
	_, ok := e.sessions[s]
	delete(e.sessions, s)
	e.mu.Unlock()
	if !ok {
		return
	}
	w := s.w
	w.mu.Lock()
	if i := slices.Index(w.sessions, s); i >= 0 {
		w.sessions = slices.Delete(w.sessions, i, i+1)
	}
	w.mu.Unlock()
	e.m.sessions.Dec()
}

// LastTick returns when the slowest clock worker last finished a tick: a
// liveness signal for a watchdog (a worker stuck on a session stops the
// clock of its whole shard). It is the zero time before every worker has
// ticked once.
func (e *Engine) LastTick() time.Time {
	var oldest int64
	for i, w := range e.workers {
		if t := w.lastTick.Load(); i == 0 || t < oldest {
			oldest = t
		}
	}
	if oldest == 0 {
		return time.Time{}
	}
	return time.Unix(0, oldest)
}

// alignClock returns the tick-grid instant at or before now. A session
// clock starts there, so its frames fall due exactly on worker ticks and
// wait no extra part of a period.
func (e *Engine) alignClock(now time.Time) time.Time {
	k := now.Sub(e.epoch) / e.p.period
	return e.epoch.Add(k * e.p.period)
}

// routineClock is one clock worker: on every tick of the grid it lets each
// session of its shard produce the frames that fell due. A tick that fires
// late is counted; the sessions catch up by themselves, since they compute
// what is due from the time, not from the number of ticks.
func (e *Engine) routineClock(ctx context.Context, w *worker) {
	next := e.alignClock(time.Now()).Add(e.p.period)
	t := time.NewTimer(time.Until(next))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if now.Sub(next) > e.p.period {
			e.m.lateTicks.Inc()
		}
		w.mu.Lock()
		w.snap = append(w.snap[:0], w.sessions...)
		w.mu.Unlock()
		for _, s := range w.snap {
			s.tick(now)
		}
		clear(w.snap) // let closed sessions go
		w.lastTick.Store(now.UnixNano())
		next = e.alignClock(now).Add(e.p.period)
		t.Reset(time.Until(next))
	}
}
