package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Server timeouts. The API is small JSON and one Prometheus scrape, so
// anything slower than this is a stuck or hostile client.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	defaultShutdown   = 5 * time.Second
)

// Server is the admin HTTP server. New validates; Start binds and serves;
// Close shuts down. A closed Server stays closed.
type Server struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	m       *metrics
	handler http.Handler

	mu      sync.Mutex // guards the following fields
	srv     *http.Server
	ln      net.Listener
	done    chan struct{} // closed when Serve returns
	started bool
	closed  bool
}

// New checks cfg and deps and builds the routes; it opens no socket.
func New(cfg Config, deps Deps) (*Server, error) {
	ap, err := netip.ParseAddrPort(cfg.Listen)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: listen %q: want a loopback IP and port such as 127.0.0.1:9090", ErrConfig, cfg.Listen)
	case !ap.Addr().Unmap().IsLoopback():
		return nil, fmt.Errorf("%w: listen %q: the admin API has no authentication and serves loopback only", ErrConfig, cfg.Listen)
	case cfg.ShutdownTimeout < 0:
		return nil, fmt.Errorf("%w: negative shutdown timeout", ErrConfig)
	case deps.Registry == nil:
		return nil, fmt.Errorf("%w: no metrics registry", ErrConfig)
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = defaultShutdown
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	m, err := newMetrics(deps.Registry)
	if err != nil {
		return nil, fmt.Errorf("admin: metrics: %w", err)
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Log.With("component", "admin"), m: m}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the routes with the loopback guard and request metrics,
// for tests (httptest) and for callers that serve on their own listener.
func (s *Server) Handler() http.Handler { return s.handler }

// Start binds cfg.Listen and serves in the background. ctx bounds the bind
// only; the server runs until Close, so that /readyz and /v1/calls stay up
// while the appliance drains.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.started:
		return ErrStarted
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("admin: listen: %w", err)
	}
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.ln = ln
	s.done = make(chan struct{})
	s.started = true
	go s.serve(s.srv, ln, s.done)
	s.log.Info("admin API listening", "addr", ln.Addr().String())
	return nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener, done chan struct{}) {
	defer close(done)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("admin API stopped", "err", err)
	}
}

// Addr returns the bound address (useful with port 0), nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops the server: it lets requests in flight finish for up to
// cfg.ShutdownTimeout, then cuts the connections. It is idempotent, and safe
// before Start; only the first call does the work and reports its error.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv, done := s.srv, s.done
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	return s.close(srv, done)
}

// close shuts srv down; s.mu must not be held, since handlers in flight may
// need it (Addr).
func (s *Server) close(srv *http.Server, done chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(fmt.Errorf("admin: shutdown: %w", err), srv.Close())
	}
	<-done
	return err
}
