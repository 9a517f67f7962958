package audiohook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Server defaults.
const (
	DefaultOpenDecisionTimeout = 4 * time.Second  // Application.Open budget, inside Genesys's 5 s
	DefaultCloseFlushTimeout   = 5 * time.Second  // Application.Closed budget before closed
	DefaultIdleTimeout         = 30 * time.Second // no frame at all from the client (pings come every 5 s)
	DefaultRetryAfter          = 5 * time.Second  // Retry-After of a 503 at the upgrade
)

// ServerConfig configures a Server. Zero durations take the defaults.
type ServerConfig struct {
	// Verifier checks the upgrade's signature. Required.
	Verifier *Verifier
	// Application decides and receives sessions. Required.
	Application Application
	Logger      *slog.Logger
	Metrics     *Metrics
	Clock       Clock
	// OpenTimeout bounds Application.Open.
	OpenTimeout time.Duration
	// CloseTimeout bounds Application.Closed on a close transaction.
	CloseTimeout time.Duration
	// DisconnectTimeout bounds the wait for close after disconnect.
	DisconnectTimeout time.Duration
	// IdleTimeout closes a connection that sends nothing (wall clock).
	IdleTimeout  time.Duration
	WriteTimeout time.Duration
	// MaxSessions refuses upgrades beyond this many live sessions with 503;
	// zero is unlimited.
	MaxSessions int
	// RetryAfter is the Retry-After of a 503.
	RetryAfter time.Duration
}

// Server is the AudioHook server role, an http.Handler for the WebSocket
// endpoint Genesys Cloud connects to. It refuses a bad upgrade with an HTTP
// status (405 not GET, 503 draining or full, 400 missing Audiohook
// headers, 401 signature) and runs a ServerSession per connection.
type Server struct {
	cfg      ServerConfig
	log      *slog.Logger
	m        *Metrics
	clock    Clock
	upgrader websocket.Upgrader

	mu       sync.Mutex // guards the fields below
	sessions map[*ServerSession]struct{}
	draining bool
	idle     broadcast // notified when sessions shrink
}

// NewServer validates cfg and returns a Server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Verifier == nil || cfg.Application == nil {
		return nil, errors.New("audiohook: server needs a Verifier and an Application")
	}
	cfg.OpenTimeout = durationOrDefault(cfg.OpenTimeout, DefaultOpenDecisionTimeout)
	cfg.CloseTimeout = durationOrDefault(cfg.CloseTimeout, DefaultCloseFlushTimeout)
	cfg.DisconnectTimeout = durationOrDefault(cfg.DisconnectTimeout, DefaultCloseTimeout)
	cfg.IdleTimeout = durationOrDefault(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.WriteTimeout = durationOrDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.RetryAfter = durationOrDefault(cfg.RetryAfter, DefaultRetryAfter)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{
		cfg:      cfg,
		log:      log.With("component", "audiohook", "role", "server"),
		m:        metricsOr(cfg.Metrics),
		clock:    clockOr(cfg.Clock),
		upgrader: websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096},
		sessions: make(map[*ServerSession]struct{}),
		idle:     newBroadcast(),
	}, nil
}

// ServeHTTP checks and upgrades one request, then runs its session until
// it ends.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		srv.refuse(w, http.StatusMethodNotAllowed, "AudioHook upgrades are GET")
		return
	}
	if reason := srv.full(); reason != "" {
		w.Header().Set("Retry-After", strconv.Itoa(int((srv.cfg.RetryAfter+time.Second-1)/time.Second)))
		srv.refuse(w, http.StatusServiceUnavailable, reason)
		return
	}
	org, sid, corr := r.Header.Get(HeaderOrganizationID), r.Header.Get(HeaderSessionID), r.Header.Get(HeaderCorrelationID)
	if !IsUUID(org) || !IsUUID(sid) || !IsUUID(corr) {
		srv.log.Warn("upgrade refused", "status", 400, "err", ErrBadHeaders, "remote", r.RemoteAddr)
		srv.refuse(w, http.StatusBadRequest, ErrBadHeaders.Error())
		return
	}
	apiKey, err := srv.cfg.Verifier.Verify(r)
	if err != nil {
		srv.log.Warn("upgrade refused", "status", 401, "reason", SignatureFailureReason(err),
			"session", sid, "correlation", corr, "remote", r.RemoteAddr)
		srv.refuse(w, http.StatusUnauthorized, "signature verification failed")
		return
	}
	ws, err := srv.upgrader.Upgrade(w, r, nil)
	if err != nil { // the upgrader has answered 400 or similar
		srv.m.upgradeRejected(http.StatusBadRequest)
		srv.log.Warn("upgrade failed", "err", err, "session", sid, "remote", r.RemoteAddr)
		return
	}
	s := newServerSession(srv, ws, sessionHeaders{id: sid, org: org, correlation: corr, apiKey: apiKey})
	if !srv.add(s) {
		closeSocket(ws, websocket.CloseTryAgainLater, "draining")
		return
	}
	defer srv.remove(s)
	s.run()
}

func (srv *Server) refuse(w http.ResponseWriter, status int, text string) {
	srv.m.upgradeRejected(status)
	http.Error(w, text, status)
}

// full says why a new session cannot be taken, or "".
func (srv *Server) full() string {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	switch {
	case srv.draining:
		return ErrDraining.Error()
	case srv.cfg.MaxSessions > 0 && len(srv.sessions) >= srv.cfg.MaxSessions:
		return "at capacity"
	}
	return ""
}

func (srv *Server) add(s *ServerSession) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.draining {
		return false
	}
	srv.sessions[s] = struct{}{}
	return true
}

func (srv *Server) remove(s *ServerSession) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	delete(srv.sessions, s)
	srv.idle.notify()
}

// Sessions returns the live sessions.
func (srv *Server) Sessions() []*ServerSession {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	out := make([]*ServerSession, 0, len(srv.sessions))
	for s := range srv.sessions {
		out = append(out, s)
	}
	return out
}

// Shutdown refuses new upgrades (503) and waits for the live sessions to
// end. When ctx ends first it drops the remaining connections (their
// applications see ErrConnectionLost) and returns ctx's error.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.mu.Lock()
	srv.draining = true
	srv.mu.Unlock()
	for {
		srv.mu.Lock()
		n, ch := len(srv.sessions), srv.idle.ch
		srv.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			for _, s := range srv.Sessions() {
				s.abort()
			}
			return fmt.Errorf("audiohook: shutdown: %d sessions dropped: %w", n, ctx.Err())
		}
	}
}
