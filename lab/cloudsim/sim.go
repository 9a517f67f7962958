package cloudsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/tunnel"
)

// Sim is the simulated cloud: a WireGuard peer, the control-channel server
// and the AudioHook ingest inside its tunnel, and a loopback HTTP API. New
// allocates, Start binds and serves, Close stops it all (also after a
// failed Start).
type Sim struct {
	cfg    Config
	log    *slog.Logger
	tun    *tunnel.Tunnel
	ctrl   *Control
	ingest *ahlab.Ingest // nil without Config.Ingest.Dir
	gen    *genesysCTI   // nil without Config.Genesys

	mu      sync.Mutex // guards the fields below
	servers []*http.Server
	apiAddr net.Addr
	started bool
	closed  bool
	wg      sync.WaitGroup // Serve goroutines
}

// New validates cfg and creates the tunnel; it binds nothing. reg takes
// the tunnel's metrics (nil: unregistered); a nil log discards.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Sim, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("side", "cloud")
	var in *ahlab.Ingest
	if ic := cfg.Ingest; ic.Dir != "" {
		in, err = ahlab.NewIngest(ahlab.IngestConfig{
			Dir:         ic.Dir,
			Credentials: audiohook.StaticCredentials{ic.APIKey: ic.Secret},
			Path:        ic.Path,
			Linger:      ic.Linger,
			Logger:      log,
			Registerer:  reg,
			OnEvent:     ic.OnEvent,
		})
		if err != nil {
			return nil, fmt.Errorf("cloudsim: ingest: %w", err)
		}
	}
	ctrl := NewControl(cfg.Control, log)
	var gen *genesysCTI
	if cfg.Genesys.enabled() {
		if gen, err = newGenesysCTI(cfg.Genesys, ctrl, log, reg); err != nil {
			return nil, err
		}
	}
	tun, err := tunnel.New(cfg.tunnelConfig(), log, tunnel.NewMetrics(reg))
	if err != nil {
		if gen != nil {
			gen.close()
		}
		return nil, fmt.Errorf("cloudsim: %w", err)
	}
	return &Sim{cfg: cfg, log: log, tun: tun, ctrl: ctrl, ingest: in, gen: gen}, nil
}

// Start brings the tunnel up and serves the control channel inside it and
// the API on loopback. On error, Close undoes what it did.
func (s *Sim) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return fmt.Errorf("cloudsim: start: %w", ErrClosed)
	}
	s.started = true
	s.mu.Unlock()
	if err := s.tun.Start(ctx); err != nil {
		return fmt.Errorf("cloudsim: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(s.cfg.ControlPath, s.ctrl)
	if _, err := s.Serve(s.cfg.ControlPort, mux); err != nil {
		return err
	}
	if s.ingest != nil {
		if _, err := s.Serve(s.cfg.Ingest.Port, s.ingest); err != nil {
			return err
		}
	}
	if s.cfg.API != "" {
		l, err := net.Listen("tcp", s.cfg.API)
		if err != nil {
			return fmt.Errorf("cloudsim: API: %w", err)
		}
		a := &api{ctrl: s.ctrl, log: s.log, health: func() any { return s.tun.Health() }, ingest: s.ingest, gen: s.gen}
		s.mu.Lock()
		s.apiAddr = l.Addr()
		s.mu.Unlock()
		if err := s.serve(l, a.routes()); err != nil {
			return err
		}
	}
	if s.gen != nil {
		s.gen.start()
	}
	s.log.Info("cloud simulator up", "udp", s.Endpoint(), "public_key", s.PublicKey().String(),
		"control_url", s.ControlURL(), "relay_url", s.RelayURL(), "api", s.APIURL())
	return nil
}

// Serve serves h on port of the cloud's tunnel address until Close: the
// seam for cloud services besides the control channel (the AudioHook
// ingest). A handler with a ConnContext method (an *ahlab.Ingest, whose
// Kill needs each request's connection) has it set on its http.Server.
// It returns the address served.
func (s *Sim) Serve(port uint16, h http.Handler) (netip.AddrPort, error) {
	ap := netip.AddrPortFrom(s.cfg.Address.Addr(), port)
	l, err := s.tun.Listen("tcp", ap.String())
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("cloudsim: serve %s: %w", ap, err)
	}
	if err := s.serve(l, h); err != nil {
		return netip.AddrPort{}, err
	}
	return ap, nil
}

// connContexter is a handler that needs its request's connection.
type connContexter interface {
	ConnContext(ctx context.Context, c net.Conn) context.Context
}

func (s *Sim) serve(l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if cc, ok := h.(connContexter); ok {
		srv.ConnContext = cc.ConnContext
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return fmt.Errorf("cloudsim: serve: %w", ErrClosed)
	}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("cloudsim: server stopped", "addr", l.Addr(), "err", err)
		}
	}()
	return nil
}

// Close stops the Genesys tracker, drops the appliances, closes the
// ingest's recordings (waiting up to ingestCloseGrace for live relay
// sessions to end), stops the servers and the tunnel. It is idempotent.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	servers := s.servers
	s.mu.Unlock()
	var errs []error
	if s.gen != nil {
		s.gen.close()
	}
	if s.ingest != nil {
		ctx, cancel := context.WithTimeout(context.Background(), ingestCloseGrace)
		errs = append(errs, s.ingest.Shutdown(ctx))
		cancel()
	}
	_ = s.ctrl.Close()
	for _, srv := range servers {
		_ = srv.Close() // hijacked WebSockets were closed by ctrl.Close and the ingest
	}
	s.wg.Wait()
	return errors.Join(append(errs, s.tun.Close())...)
}

// ingestCloseGrace bounds Close's wait for the relay sessions still live.
const ingestCloseGrace = 2 * time.Second

// Inject routes a CTI event to the appliances and waits for their acks.
func (s *Sim) Inject(ctx context.Context, ev cti.Event) (Delivery, error) {
	return s.ctrl.Deliver(ctx, ev)
}

// Appliances lists the connected appliances and their sessions.
func (s *Sim) Appliances() []Appliance { return s.ctrl.Appliances() }

// Control is the control-channel server.
func (s *Sim) Control() *Control { return s.ctrl }

// Tunnel is the cloud's end of the WireGuard tunnel.
func (s *Sim) Tunnel() *tunnel.Tunnel { return s.tun }

// PublicKey is the cloud's public key: the appliance's
// cloud.tunnel.peer.public_key.
func (s *Sim) PublicKey() tunnel.Key { return s.tun.PublicKey() }

// Endpoint is the UDP address the appliance's tunnel sends to (its
// cloud.tunnel.peer.endpoint); valid after Start.
func (s *Sim) Endpoint() netip.AddrPort {
	if pc := s.cfg.PacketConn; pc != nil {
		if ua, ok := pc.LocalAddr().(*net.UDPAddr); ok {
			return ua.AddrPort()
		}
		ap, _ := netip.ParseAddrPort(pc.LocalAddr().String())
		return ap
	}
	return netip.AddrPortFrom(s.cfg.ListenUDP.Addr(), s.tun.Health().ListenPort)
}

// ControlURL is the appliance's cloud.control_url.
func (s *Sim) ControlURL() string {
	return fmt.Sprintf("ws://%s%s", netip.AddrPortFrom(s.cfg.Address.Addr(), s.cfg.ControlPort), s.cfg.ControlPath)
}

// APIURL is the base URL of the HTTP API, "" without one.
func (s *Sim) APIURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apiAddr == nil {
		return ""
	}
	return "http://" + s.apiAddr.String()
}

// TunnelAddress is the appliance's cloud.tunnel.address.
func (s *Sim) TunnelAddress() netip.Prefix {
	a := s.cfg.PeerAddress
	return netip.PrefixFrom(a, a.BitLen())
}

// Snippet is the part of the appliance's edge.yaml that points it at this
// simulator; valid after Start. With the ingest it streams recordings to
// the cloud too (sink: both keeps the local copy).
func (s *Sim) Snippet() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cti:\n  source: cloud\n")
	if s.ingest != nil {
		fmt.Fprintf(&b, "sink: both                       # cloud | local | both\n")
	}
	fmt.Fprintf(&b, "cloud:\n  tunnel:\n")
	fmt.Fprintf(&b, "    private_key_file: /etc/cogito-edge/wg.key   # its public key: %s\n", s.cfg.PeerPublicKey)
	fmt.Fprintf(&b, "    address: %s\n", s.TunnelAddress())
	fmt.Fprintf(&b, "    peer:\n      public_key: %s\n      endpoint: %s\n", s.PublicKey(), s.Endpoint())
	fmt.Fprintf(&b, "  control_url: %s\n", s.ControlURL())
	if s.ingest != nil {
		ic := s.cfg.Ingest
		fmt.Fprintf(&b, "  relay:\n    url: %s\n    api_key: %s\n", s.RelayURL(), ic.APIKey)
		fmt.Fprintf(&b, "    client_secret_file: %s   # base64 of the client secret\n", ic.SecretFile)
	}
	return b.String()
}
