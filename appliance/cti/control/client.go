package control

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// Gate is what the client needs of the gate; *gate.Gate is one.
type Gate interface {
	// Deliver applies a CTI event from the cloud.
	Deliver(ctx context.Context, ev cti.Event) (gate.DeliverResult, error)
	// Sessions lists the live sessions for the hello.
	Sessions() []gate.Snapshot
}

// Client is the edge's end of the control channel. Create it with New,
// run it with Run; its other methods are safe for concurrent use at any
// time.
type Client struct {
	cfg    Config
	gate   Gate
	log    *slog.Logger
	m      *Metrics
	dialer *websocket.Dialer
	header http.Header
	ann    *announcer

	running atomic.Bool
	pings   atomic.Uint64 // ids of our pings

	mu        sync.Mutex // guards the fields below
	connected bool
	since     time.Time // when the channel last went up or down
	lastErr   string    // why the last connection or attempt ended
	connects  uint64    // connections made
}

// Status is the channel's state for /readyz and logs.
type Status struct {
	URL       string `json:"url"`
	Connected bool   `json:"connected"`
	// Since is when the channel last went up (Connected) or down.
	Since time.Time `json:"since"`
	// DownFor is how long it has been down; 0 while connected.
	DownFor time.Duration `json:"-"`
	// LastError says why the last connection or attempt ended.
	LastError string `json:"last_error,omitempty"`
	// Connects counts connections made.
	Connects uint64 `json:"connects"`
}

// New validates cfg and returns a client; it dials nothing until Run. A
// nil log discards; nil metrics are created unregistered.
func New(cfg Config, g Gate, log *slog.Logger, m *Metrics) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, fmt.Errorf("%w: no gate", ErrConfig)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	c := &Client{
		cfg:  cfg,
		gate: g,
		log:  log.With("component", "control"),
		m:    m,
		dialer: &websocket.Dialer{
			NetDialContext:   cfg.DialContext,
			TLSClientConfig:  cfg.TLS,
			HandshakeTimeout: cfg.HandshakeTimeout,
			ReadBufferSize:   4096,
			WriteBufferSize:  4096,
		},
		header: http.Header{"User-Agent": {"cogito-edge/" + cfg.Version}},
		ann:    newAnnouncer(),
		since:  time.Now(),
	}
	return c, nil
}

// Observe takes a change of a gate session and announces it to the cloud
// if the channel is up (the next hello carries it otherwise). It is a
// gate.Observer: it never blocks and never calls the gate.
func (c *Client) Observe(s gate.Snapshot) { c.ann.put(s) }

// Connected reports whether the channel is up: dialled and hello sent.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected
}

// DownFor is how long the channel has been down (since Run started, if it
// never came up); 0 while it is up.
func (c *Client) DownFor() time.Duration { return c.Status().DownFor }

// Status returns the channel's state now.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Status{URL: c.cfg.URL, Connected: c.connected, Since: c.since, LastError: c.lastErr, Connects: c.connects}
	if !c.connected {
		st.DownFor = max(0, time.Since(c.since))
	}
	return st
}

// Ready returns nil while the channel is up or has been down no longer
// than Config.Grace, else an error wrapping ErrNotReady that says for how
// long and why.
func (c *Client) Ready() error {
	st := c.Status()
	if st.Connected || st.DownFor <= c.cfg.Grace {
		return nil
	}
	why := st.LastError
	if why == "" {
		why = "never connected"
	}
	return fmt.Errorf("%w: cloud control channel %s down for %s (grace %s): %s",
		ErrNotReady, c.cfg.URL, st.DownFor.Round(100*time.Millisecond), c.cfg.Grace, why)
}

// Run connects and keeps the channel up until ctx is done, then closes it
// and returns nil. It may be called once.
func (c *Client) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrStarted
	}
	c.mu.Lock()
	c.since = time.Now()
	c.mu.Unlock()
	bo := backoff{min: c.cfg.MinBackoff, max: c.cfg.MaxBackoff}
	var logged failureLog
	for {
		up, err := c.connect(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if up >= 2*c.cfg.PingInterval {
			bo.reset()
		}
		wait := bo.next()
		logged.log(c.log, up > 0, err, wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// connect makes one connection and serves it until it ends; up is how
// long it was up (0 if it never came up).
func (c *Client) connect(ctx context.Context) (up time.Duration, err error) {
	dctx, cancel := context.WithTimeout(ctx, c.cfg.HandshakeTimeout)
	ws, resp, err := c.dialer.DialContext(dctx, c.cfg.URL, c.header)
	cancel()
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		err = fmt.Errorf("control: dial %s: %w", c.cfg.URL, err)
		c.m.attempts.WithLabelValues("error").Inc()
		c.setDown(time.Now(), err, false)
		return 0, err
	}
	c.m.attempts.WithLabelValues("ok").Inc()
	return (&conn{c: c, ws: ws, out: make(chan outbound, 64)}).serve(ctx)
}

// setUp marks the channel up.
func (c *Client) setUp(now time.Time) (connects uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connected, c.since, c.lastErr = true, now, ""
	c.connects++
	c.m.connected.Set(1)
	if c.connects > 1 {
		c.m.reconnects.Inc()
	}
	return c.connects
}

// setDown records err as the reason; wasUp marks the channel down from now
// on (an attempt that failed leaves since where it was).
func (c *Client) setDown(now time.Time, err error, wasUp bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wasUp {
		c.connected, c.since = false, now
		c.m.connected.Set(0)
	}
	if err != nil {
		c.lastErr = err.Error()
	}
}

// failureLog keeps connection failures from flooding the log while the
// cloud is away: a warning when the reason changes or every 5 minutes,
// debug lines in between. It is owned by Run's goroutine.
type failureLog struct {
	last string
	at   time.Time
}

func (f *failureLog) log(log *slog.Logger, wasUp bool, err error, wait time.Duration) {
	msg := "<nil>"
	if err != nil {
		msg = err.Error()
	}
	now := time.Now()
	switch {
	case wasUp: // serve has logged the loss
		f.last, f.at = msg, now
		log.Debug("control channel: reconnecting", "retry_in", wait.Round(time.Millisecond))
	case msg != f.last || now.Sub(f.at) >= 5*time.Minute:
		f.last, f.at = msg, now
		log.Warn("control channel: no connection to the cloud; retrying", "err", msg, "retry_in", wait.Round(time.Millisecond))
	default:
		log.Debug("control channel: connection attempt failed; retrying", "err", msg, "retry_in", wait.Round(time.Millisecond))
	}
}
