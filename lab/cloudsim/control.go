package cloudsim

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/cti/control"
)

// Defaults of ControlConfig.
const (
	DefaultPingInterval = 10 * time.Second
	DefaultAckTimeout   = 5 * time.Second
	helloTimeout        = 10 * time.Second
)

// ControlConfig tunes the control-channel server.
type ControlConfig struct {
	// PingInterval is how often the server pings each appliance; one
	// silent for two intervals is dropped. Default 10 s.
	PingInterval time.Duration
	// AckTimeout bounds the wait for an appliance's ack of an event;
	// default 5 s.
	AckTimeout time.Duration
}

// Control is the cloud's end of the control channel: an http.Handler that
// upgrades to WebSocket, keeps each appliance's announced sessions, and
// routes CTI events to them. Its methods are safe for concurrent use.
type Control struct {
	cfg ControlConfig
	log *slog.Logger
	up  websocket.Upgrader
	seq atomic.Uint64 // event ids

	mu     sync.Mutex // guards the fields below
	byID   map[string]*edgeConn
	conns  map[*edgeConn]struct{}
	closed bool
	wg     sync.WaitGroup // connection handlers
}

// Appliance is one connected appliance as GET /v1/appliances lists it.
type Appliance struct {
	ID            string    `json:"appliance_id"`
	Version       string    `json:"version"`
	Remote        string    `json:"remote"`
	ConnectedAt   time.Time `json:"connected_at"`
	LastMessageAt time.Time `json:"last_message_at"`
	// Sessions are the live sessions it announced, by id.
	Sessions []control.Session `json:"sessions"`
}

// NewControl returns a control-channel server. A nil log discards.
func NewControl(cfg ControlConfig, log *slog.Logger) *Control {
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = DefaultAckTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Control{
		cfg:   cfg,
		log:   log.With("component", "cloudsim-control"),
		up:    websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096},
		byID:  make(map[string]*edgeConn),
		conns: make(map[*edgeConn]struct{}),
	}
}

// ServeHTTP upgrades the request and serves the appliance until it goes.
func (c *Control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	defer c.wg.Done()
	ws, err := c.up.Upgrade(w, r, nil)
	if err != nil {
		c.log.Warn("control: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	e := &edgeConn{c: c, ws: ws, remote: r.RemoteAddr, acks: make(map[string]chan control.Ack),
		sessions: make(map[string]control.Session), done: make(chan struct{})}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		ws.Close()
		return
	}
	c.conns[e] = struct{}{}
	c.mu.Unlock()
	e.serve()
	c.mu.Lock()
	delete(c.conns, e)
	if c.byID[e.id] == e {
		delete(c.byID, e.id)
	}
	c.mu.Unlock()
}

// register makes e the connection of its appliance, replacing (and
// closing) an older one: an appliance that reconnects before the cloud
// noticed its old connection die.
func (c *Control) register(e *edgeConn) {
	c.mu.Lock()
	old := c.byID[e.id]
	c.byID[e.id] = e
	c.mu.Unlock()
	if old != nil && old != e {
		c.log.Info("control: appliance reconnected; dropping its old connection", "appliance", e.id, "old_remote", old.remote)
		old.close(websocket.ClosePolicyViolation, "replaced by a new connection")
	}
}

// Appliances lists the appliances that said hello, by id.
func (c *Control) Appliances() []Appliance {
	c.mu.Lock()
	conns := make([]*edgeConn, 0, len(c.byID))
	for _, e := range c.byID {
		conns = append(conns, e)
	}
	c.mu.Unlock()
	out := make([]Appliance, 0, len(conns))
	for _, e := range conns {
		out = append(out, e.info())
	}
	slices.SortFunc(out, func(a, b Appliance) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Close drops every connection and waits for their handlers.
func (c *Control) Close() error {
	c.mu.Lock()
	c.closed = true
	conns := make([]*edgeConn, 0, len(c.conns))
	for e := range c.conns {
		conns = append(conns, e)
	}
	c.mu.Unlock()
	for _, e := range conns {
		e.close(websocket.CloseGoingAway, "cloud shutting down")
	}
	c.wg.Wait()
	return nil
}

// nextID is a new event id.
func (c *Control) nextID() string { return fmt.Sprintf("e%d", c.seq.Add(1)) }

// targets are the connections a CTI event with keys goes to, and how they
// were chosen.
func (c *Control) targets(match func(*edgeConn) bool) ([]*edgeConn, Route) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all, matched []*edgeConn
	for _, e := range c.byID {
		all = append(all, e)
		if match(e) {
			matched = append(matched, e)
		}
	}
	byID := func(a, b *edgeConn) int { return cmp.Compare(a.id, b.id) }
	if len(matched) > 0 {
		slices.SortFunc(matched, byID)
		return matched, RouteKeys
	}
	slices.SortFunc(all, byID)
	return all, RouteBroadcast
}

// waitCtx bounds an ack wait by the config and ctx.
func (c *Control) waitCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.AckTimeout)
}
