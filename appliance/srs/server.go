// Package srs is the SIPREC recording server: a SIP user agent (sipgo) that
// answers recording sessions inactive, follows the SBC's re-INVITEs and
// UPDATEs, and activates media with its own re-INVITE when the gate says so.
package srs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// MaxMessageSize is the largest SIP message the parser accepts. It is far
// above any real SIPREC INVITE (3.5–6 KB) so that an oversized body is
// parsed and answered 413 rather than dropped with its connection.
const MaxMessageSize = 2 << 20

// MaxBodySize is the largest body we process; bigger ones get 413.
const MaxBodySize = 256 << 10

// Config configures the SIP side.
type Config struct {
	Listen      []Listen
	TLS         *tls.Config
	Allow       []netip.Prefix // empty: loopback only
	MaxSessions int
	UserAgent   string
	// Host is advertised in our Contact; empty means the first listen address.
	Host string
	// RetryAfter is the Retry-After of our 503s.
	RetryAfter time.Duration
	// AckTimeout bounds the wait for the ACK of our 2xx (64*T1 by default).
	AckTimeout time.Duration
	// GlareRetries bounds how often our re-INVITE is retried after 491.
	GlareRetries int
	// MediaAddr is advertised in SDP c= (media.address).
	MediaAddr netip.Addr
	// SRTP is the media.srtp policy.
	SRTP negotiate.SRTPPolicy
	// HoldInactive makes a CTI hold re-INVITE the SBC a=inactive instead
	// of only pausing the relay (gate.hold: inactive).
	HoldInactive bool
}

// Deps are the parts the SIP side drives.
type Deps struct {
	Log      *slog.Logger
	Metrics  *Metrics
	Media    *media.Engine
	Gate     *gate.Gate
	Recorder relay.Store
	// Ready reports whether we can take a call beyond SIP's own checks
	// (CTI source connected, ...). Nil means always.
	Ready func() error
}

// Server is the SIPREC recording server.
type Server struct {
	cfg Config
	log *slog.Logger
	m   *Metrics
	d   Deps

	ua     *sipgo.UserAgent
	sip    *sipgo.Server
	client *sipgo.Client
	wg     sync.WaitGroup
	// teardown tracks sessions closing their media; quit cuts their
	// linger short on Close.
	teardown sync.WaitGroup
	quit     chan struct{}

	draining atomic.Bool
	allow    atomic.Pointer[[]netip.Prefix] // sip.allow; swapped on reload

	// base is cancelled by Close: handlers waiting for an ACK stop, and
	// requests we send (re-INVITE, BYE) are abandoned.
	base       context.Context
	cancelBase context.CancelFunc
	// busy counts request handlers and requests we send, so that Close
	// returns only once none of them runs (see enter).
	busy sync.WaitGroup

	mu     sync.Mutex // guards bound, active, closed
	bound  []bound
	closed bool
	active map[string]*session // by dialog id
}

// New validates cfg and prepares the user agent; nothing is bound until Start.
func New(cfg Config, d Deps) (*Server, error) {
	if len(cfg.Listen) == 0 {
		return nil, ErrNoListeners
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = 2000
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "cogito-edge"
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 30 * time.Second
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 64 * sip.T1
	}
	if cfg.GlareRetries <= 0 {
		cfg.GlareRetries = 8
	}
	if !cfg.MediaAddr.IsValid() || cfg.MediaAddr.IsUnspecified() {
		return nil, fmt.Errorf("srs: media address %v is not a usable unicast address", cfg.MediaAddr)
	}
	if d.Media == nil || d.Gate == nil || d.Recorder == nil {
		return nil, errors.New("srs: media, gate and recorder are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	base, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: d.Log.With("component", "srs"), m: d.Metrics, d: d, active: make(map[string]*session),
		base: base, cancelBase: cancel, quit: make(chan struct{})}
	s.SetAllow(cfg.Allow)
	return s, nil
}

// Start binds every listener and serves until Close.
func (s *Server) Start(ctx context.Context) error {
	parser := sip.NewParser()
	parser.MaxMessageLength = MaxMessageSize
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(s.cfg.UserAgent),
		sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgenTLSConfig(s.cfg.TLS),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(s.log)),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(s.log)),
	)
	if err != nil {
		return fmt.Errorf("srs: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(s.log))
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("srs: server: %w", err)
	}
	copts := []sipgo.ClientOption{sipgo.WithClientLogger(s.log)}
	if host := s.viaHost(); host != "" {
		copts = append(copts, sipgo.WithClientHostname(host))
	}
	client, err := sipgo.NewClient(ua, copts...)
	if err != nil {
		_ = ua.Close()
		return fmt.Errorf("srs: client: %w", err)
	}
	s.ua, s.sip, s.client = ua, srv, client
	s.routes()
	s.mu.Lock()
	err = s.listen(ctx)
	s.mu.Unlock()
	if err != nil {
		_ = s.Close()
		return err
	}
	return nil
}

func (s *Server) routes() {
	s.sip.OnInvite(s.guard(s.onInvite))
	s.sip.OnAck(s.guard(s.onAck))
	s.sip.OnBye(s.guard(s.onBye))
	s.sip.OnCancel(s.guard(s.onCancel))
	s.sip.OnUpdate(s.guard(s.onUpdate))
	s.sip.OnOptions(s.guard(s.onOptions))
	s.sip.OnInfo(s.guard(s.onUnsupported))
	s.sip.OnNotify(s.guard(s.onUnsupported))
	s.sip.OnNoRoute(s.guard(s.onUnsupported))
}

// viaHost is the sent-by host of our requests when it must not be the
// socket's own address: sipgo writes that into Via, and for a listener on
// 0.0.0.0 (sip.listen's usual form) it is no address the SBC can answer.
// "" keeps the socket's address.
func (s *Server) viaHost() string {
	if s.cfg.Host != "" {
		return s.cfg.Host
	}
	for _, l := range s.cfg.Listen {
		if ap, err := netip.ParseAddrPort(l.Addr); err == nil && ap.Addr().IsUnspecified() {
			return s.cfg.MediaAddr.String()
		}
	}
	return ""
}

// Drain makes new INVITEs and OPTIONS answer 503 so the SBC hunts to another
// recorder; live calls continue.
func (s *Server) Drain() { s.draining.Store(true) }

// Draining reports whether Drain was called.
func (s *Server) Draining() bool { return s.draining.Load() }

// Len returns the number of live recording dialogs.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// Close stops listening and releases every socket. Live dialogs are not
// sent BYE here: the appliance drains them first. Close is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	bound := s.bound
	s.mu.Unlock()
	s.cancelBase()
	close(s.quit)
	var errs []error
	for _, b := range bound {
		if err := b.closer.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s.ua != nil {
		if err := s.ua.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.wg.Wait()
	// Handlers and our requests may end sessions, which starts their
	// teardown: wait for them first, so no teardown starts after.
	s.busy.Wait()
	s.teardown.Wait()
	return errors.Join(errs...)
}

// enter registers a handler or an outgoing request with Close; it reports
// false once the server is closed. A true return must be paired with
// s.busy.Done().
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.busy.Add(1)
	return true
}
