package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// Config is the audiohook section of the appliance config.
type Config struct {
	// Listen is host:port. Genesys connects over TLS with a certificate
	// from a public CA: serve TLS here or put a TLS terminator in front.
	Listen string
	// TLS serves wss directly; nil serves plain ws (behind a terminator).
	TLS *tls.Config
	// Credentials resolve X-API-KEY to the client secret.
	Credentials audiohook.SecretLookup
	// PublicAuthority is the host[:port] Genesys signs as @authority.
	PublicAuthority string
	// MaxSessions refuses opens beyond this many with 503 (0: unlimited).
	MaxSessions int
}

// Deps are the parts the AudioHook sessions drive.
type Deps struct {
	Log      *slog.Logger
	Metrics  *Metrics
	Protocol *audiohook.Metrics
	Gate     *gate.Gate
	Store    relay.Store
	// Verifier overrides the one built from Config (tests set a clock).
	Verifier *audiohook.Verifier
}

// Server accepts Genesys AudioHook connections.
type Server struct {
	cfg Config
	d   Deps
	log *slog.Logger
	ah  *audiohook.Server
	hs  *http.Server

	draining atomic.Bool

	mu     sync.Mutex // guards ln, closed
	ln     net.Listener
	closed bool
	wg     sync.WaitGroup
}

// Drain refuses new sessions (disconnect with 503, so Genesys retries
// elsewhere); live sessions continue.
func (s *Server) Drain() { s.draining.Store(true) }

// New validates cfg and builds the server; nothing is bound until Start.
func New(cfg Config, d Deps) (*Server, error) {
	if cfg.Listen == "" || d.Gate == nil || d.Store == nil {
		return nil, fmt.Errorf("%w: listen, gate and store are required", ErrConfig)
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	s := &Server{cfg: cfg, d: d, log: d.Log.With("component", "ingest")}
	v := d.Verifier
	if v == nil {
		if cfg.Credentials == nil {
			return nil, fmt.Errorf("%w: no AudioHook credentials", ErrConfig)
		}
		var err error
		v, err = audiohook.NewVerifier(audiohook.VerifierConfig{
			Credentials:     cfg.Credentials,
			PublicAuthority: cfg.PublicAuthority,
			Metrics:         d.Protocol,
		})
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	ah, err := audiohook.NewServer(audiohook.ServerConfig{
		Verifier:    v,
		Application: &app{srv: s},
		Logger:      s.log,
		Metrics:     d.Protocol,
		MaxSessions: cfg.MaxSessions,
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	s.ah = ah
	s.hs = &http.Server{
		Handler:           ah,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Start binds the listener and serves.
func (s *Server) Start(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("ingest: listen %s: %w", s.cfg.Listen, err)
	}
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrClosed
	}
	s.ln = ln
	s.mu.Unlock()
	scheme := "ws"
	if s.cfg.TLS != nil {
		scheme = "wss"
	}
	s.log.Info("audiohook listening", "addr", ln.Addr().String(), "scheme", scheme)
	s.wg.Go(func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("audiohook server stopped", "error", err)
		}
	})
	return nil
}

// Addr returns the bound address, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Len returns the live AudioHook sessions.
func (s *Server) Len() int { return len(s.ah.Sessions()) }

// Close refuses new sessions, waits up to ctx for live ones to end (the
// gate's drain disconnects them), then drops the rest. Idempotent.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.ah.Shutdown(ctx)
	if cerr := s.hs.Close(); cerr != nil && err == nil {
		err = cerr
	}
	s.wg.Wait()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return nil // sessions dropped at the deadline, by design
	}
	return err
}
