package genesys

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Tracker follows every agent's calls in one Genesys Cloud organization
// and emits them as CTI events. Create it with New, run it with Run, stop
// it with Close (or by cancelling Run's context); Status and Ready are
// safe to call at any time.
//
//	   New ──▶ Run(ctx) ──────────────▶ returns nil when ctx ends
//	             │  users, channels,          or Close is called
//	             │  sockets, mapper
//	Close ───────┘  (idempotent; Run after Close returns ErrClosed)
type Tracker struct {
	cfg   Config
	ep    Endpoints
	log   *slog.Logger
	m     *Metrics
	clock Clock
	api   *apiClient
	mp    *mapper
	slots slots

	notes      chan note     // to the mapper goroutine
	reconcileC chan struct{} // a reconcile is wanted

	running  atomic.Bool
	closed   chan struct{}
	closeOne sync.Once
	done     chan struct{} // closed when Run returns
	bg       sync.WaitGroup

	mu        sync.Mutex // guards the fields below
	cancel    context.CancelFunc
	shards    []*shard
	byUser    map[string]*shard
	loaded    bool // users read at least once
	untracked int
	lastErr   string
}

// Status is the tracker's state, for /readyz and logs.
type Status struct {
	// Users is how many agents are followed; Untracked how many are not,
	// because the channel limit is reached.
	Users     int `json:"users"`
	Untracked int `json:"untracked"`
	// UsersLoaded is true once the user list was read.
	UsersLoaded bool `json:"users_loaded"`
	// Channels are the notification channels, one per 1,000 agents.
	Channels []ChannelStatus `json:"channels"`
	// Conversations is how many calls have an agent leg not yet ended.
	Conversations int `json:"conversations"`
	// LastEvent is when the last conversation notification arrived.
	LastEvent time.Time `json:"last_event"`
	// LastError is the last problem worth telling an operator.
	LastError string `json:"last_error,omitempty"`
}

// note is one input of the mapper goroutine.
type note struct {
	live    *snapshot // a notification
	src     source    // of live
	read    *snapshot // a conversation read back
	gone    string    // a conversation read back and not found
	version uint64    // of read and gone
}

// New validates cfg and returns a tracker; it connects to nothing until
// Run. A nil log discards; nil metrics are created unregistered.
func New(cfg Config, log *slog.Logger, m *Metrics) (*Tracker, error) {
	cfg, ep, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "genesys")
	if m == nil {
		m = NewMetrics(nil)
	}
	m.useClock(cfg.Clock)
	base, err := url.Parse(ep.API)
	if err != nil {
		return nil, fmt.Errorf("%w: API URL %q: %w", ErrConfig, ep.API, err)
	}
	t := &Tracker{
		cfg:        cfg,
		ep:         ep,
		log:        log,
		m:          m,
		clock:      cfg.Clock,
		mp:         newMapper(cfg.UUIAttribute, cfg.Clock.Now),
		slots:      slots{max: int64(cfg.MaxChannels)},
		notes:      make(chan note, 256),
		reconcileC: make(chan struct{}, 1),
		closed:     make(chan struct{}),
		done:       make(chan struct{}),
		byUser:     make(map[string]*shard),
	}
	t.api = &apiClient{
		base: base,
		http: cfg.HTTPClient,
		tok:  newTokenCache(ep.TokenURL, cfg.ClientID, cfg.ClientSecret, cfg.HTTPClient, log, m),
		cfg:  &t.cfg,
		log:  log,
		m:    m,
	}
	m.setConversations(func() float64 { return float64(t.mp.openCount()) })
	return t, nil
}

// Endpoints returns the token and API URLs the tracker uses.
func (t *Tracker) Endpoints() Endpoints { return t.ep }

// Run follows the agents until ctx ends or Close is called, then returns
// nil. It may be called once. It reads the users (retrying until it
// can), opens one channel per MaxTopicsPerChannel agents, and re-reads
// the users every UserRefresh, when it also subscribes again the topics
// Genesys refused, in case the missing permission was granted since.
func (t *Tracker) Run(ctx context.Context) error {
	select {
	case <-t.closed:
		return ErrClosed
	default:
	}
	if !t.running.CompareAndSwap(false, true) {
		return ErrStarted
	}
	defer close(t.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t.mu.Lock()
	t.cancel = cancel
	t.mu.Unlock()
	select { // Close may have run between the check above and now
	case <-t.closed:
		return nil
	default:
	}

	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		t.bg.Wait()
	}()
	wg.Go(func() { t.routineMap(ctx) })
	wg.Go(func() { t.routineReconcile(ctx) })

	refresh := t.clock.NewTimer(t.cfg.UserRefresh)
	defer refresh.Stop()
	for attempt := 0; ; attempt++ {
		ids, err := t.api.listUsers(ctx)
		if err == nil {
			t.applyUsers(ctx, ids, &wg)
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		t.setError(err)
		wait := backoff(attempt, t.cfg.MinBackoff, t.cfg.MaxBackoff)
		t.log.Warn("genesys: cannot read the users; retrying", "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return nil
		}
	}
	refresh.Reset(t.cfg.UserRefresh)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-refresh.C():
			// Armed before the work, so that the period runs from the
			// start of one refresh to the next.
			refresh.Reset(t.cfg.UserRefresh)
			ids, err := t.api.listUsers(ctx)
			switch {
			case err == nil:
				t.applyUsers(ctx, ids, &wg)
			case ctx.Err() != nil:
				return nil
			default:
				t.setError(err)
				t.log.Warn("genesys: cannot refresh the users; keeping the current list", "err", err)
				t.retryRefused(nil)
			}
		}
	}
}

// Close stops Run and waits for it to return. It is idempotent.
func (t *Tracker) Close() error {
	t.closeOne.Do(func() {
		close(t.closed)
		t.mu.Lock()
		cancel := t.cancel
		t.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	})
	if t.running.Load() {
		<-t.done
	}
	return nil
}

// Status returns the tracker's state now.
func (t *Tracker) Status() Status {
	t.mu.Lock()
	st := Status{Users: len(t.byUser), Untracked: t.untracked, UsersLoaded: t.loaded, LastError: t.lastErr}
	shards := append([]*shard(nil), t.shards...)
	t.mu.Unlock()
	for _, s := range shards {
		st.Channels = append(st.Channels, s.status())
	}
	st.Conversations = t.mp.openCount()
	if ns := t.m.lastEvent.Load(); ns != 0 {
		st.LastEvent = time.Unix(0, ns)
	}
	return st
}

// Ready returns nil while the tracker can deliver events: the users are
// loaded and every channel is connected, or has been down no longer than
// Grace. Otherwise an error wrapping ErrNotReady says why.
func (t *Tracker) Ready() error {
	st := t.Status()
	if !st.UsersLoaded {
		why := st.LastError
		if why == "" {
			why = "starting"
		}
		return fmt.Errorf("%w: users not loaded yet: %s", ErrNotReady, why)
	}
	now := t.clock.Now()
	for _, c := range st.Channels {
		if !c.Connected && now.Sub(c.Since) > t.cfg.Grace {
			return fmt.Errorf("%w: notification channel %s down for %s: %s", ErrNotReady,
				c.ID, now.Sub(c.Since).Round(time.Second), c.LastError)
		}
	}
	return nil
}

// setError records the last problem worth telling an operator.
func (t *Tracker) setError(err error) {
	t.mu.Lock()
	t.lastErr = err.Error()
	t.mu.Unlock()
}

// clearError forgets the last problem if it is one of msgs, which are
// solved now; a later problem stays.
func (t *Tracker) clearError(msgs ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.Contains(msgs, t.lastErr) {
		t.lastErr = ""
	}
}

// retryRefused asks every shard but those in skip (which subscribe a new
// topic list anyway) to subscribe its refused topics again.
func (t *Tracker) retryRefused(skip map[*shard]bool) {
	t.mu.Lock()
	shards := append([]*shard(nil), t.shards...)
	t.mu.Unlock()
	for _, s := range shards {
		if !skip[s] {
			s.retryRefused()
		}
	}
}

// forward hands a notification's snapshot to the mapper.
func (t *Tracker) forward(ctx context.Context, s snapshot, src source) {
	select {
	case t.notes <- note{live: &s, src: src}:
	case <-ctx.Done():
	}
}

// requestReconcile asks for every open conversation to be read back.
func (t *Tracker) requestReconcile() {
	select {
	case t.reconcileC <- struct{}{}:
	default:
	}
}

// routineMap applies notifications and reads to the mapper and emits the
// events, in order.
func (t *Tracker) routineMap(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-t.notes:
			t.apply(n)
		}
	}
}

func (t *Tracker) apply(n note) {
	var evs []cti.Event
	switch {
	case n.live != nil:
		t.m.lastEvent.Store(t.clock.Now().UnixNano())
		var dup bool
		evs, dup = t.mp.applyLive(n.live, n.src)
		if dup {
			t.m.note(noteDuplicate)
			return
		}
		t.m.note(noteConversation)
	case n.read != nil:
		var stale bool
		evs, stale = t.mp.applyRead(n.read, n.version)
		t.m.reconciles.WithLabelValues(readResult(stale, len(evs))).Inc()
	default:
		var stale bool
		evs, stale = t.mp.applyGone(n.gone, n.version)
		if stale {
			t.m.reconciles.WithLabelValues("stale").Inc()
		} else {
			t.m.reconciles.WithLabelValues("gone").Inc()
		}
	}
	for _, ev := range evs {
		t.m.events.WithLabelValues(string(ev.Type)).Inc()
		t.log.Debug("genesys: CTI event", "type", ev.Type, "conversation_id", ev.ConversationID,
			"agent_id", ev.AgentID, "ucid", ev.UCID, "direction", ev.Direction)
		t.cfg.OnEvent(ev)
	}
}

func readResult(stale bool, events int) string {
	switch {
	case stale:
		return "stale"
	case events > 0:
		return "changed"
	}
	return "ok"
}

// background runs f in a goroutine that Run waits for, with a short
// deadline of its own: cleanup that must not hold up the loops.
func (t *Tracker) background(f func(ctx context.Context)) {
	t.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), min(5*time.Second, t.cfg.RequestTimeout))
		defer cancel()
		f(ctx)
	})
}

// later runs f after d of wall time, unless the tracker stopped.
func (t *Tracker) later(d time.Duration, f func()) {
	time.AfterFunc(d, func() {
		select {
		case <-t.done:
		default:
			f()
		}
	})
}

// slots counts the channels in use against MaxChannels, so that the
// tracker never creates the 21st channel, which would evict one of its
// own.
type slots struct {
	max  int64
	used atomic.Int64
}

func (s *slots) acquire() bool {
	for {
		n := s.used.Load()
		if n >= s.max {
			return false
		}
		if s.used.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (s *slots) release() { s.used.Add(-1) }
