// Package appliance wires the parts of cogito-edge (SIP recording server,
// media, gate, CTI sources, relay sinks, admin API) from one config.
//
// New only validates and allocates; Run opens sockets, starts goroutines and
// blocks until the context ends, then drains and unwinds; Close is idempotent
// and also unwinds a partial start.
package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/admin"
	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/ingest"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/appliance/srs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Appliance is one cogito-edge instance.
type Appliance struct {
	cfg *config.Config
	log *slog.Logger
	reg *prometheus.Registry

	engine *media.Engine
	gate   *gate.Gate
	store  *relay.LocalStore
	sip    *srs.Server
	admin  *admin.Server     // nil when admin.listen is empty
	ingest *ingest.Server    // nil when audiohook.listen is empty
	relay  *relay.CloudStore // nil unless sink is cloud or both
	ahm    *audiohook.Metrics
	creds  *audiohook.CredentialStore
	cloud  *cloudLink // nil when nothing needs the cloud (cloud.go)
	// genesys is direct mode, nil unless cti.source has genesys (genesys.go).
	genesys     *genesysSource
	tuneGenesys func(*genesys.Config) // tests only: see withGenesysTuning
	notify      *notifier             // sd_notify to systemd (notify.go)

	version string // reported to the cloud; see WithVersion

	started chan struct{} // closed once Run has bound everything
	// life bounds the parts' goroutines (media clock, gate timers). It
	// outlives Run's context so calls keep recording while draining, and
	// Close cancels it last.
	life    context.Context
	endLife context.CancelFunc
	mu      sync.Mutex // guards cfg on Reload and closed
	closed  bool
}

// Option customises an Appliance.
type Option func(*Appliance)

// WithLogger sets the logger; the default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(a *Appliance) { a.log = l } }

// New validates cfg and builds every part without opening a socket.
func New(cfg *config.Config, opts ...Option) (*Appliance, error) {
	if cfg == nil {
		cfg = config.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	a := &Appliance{cfg: cfg, log: slog.Default(), reg: prometheus.NewRegistry(), started: make(chan struct{})}
	a.life, a.endLife = context.WithCancel(context.Background())
	for _, o := range opts {
		o(a)
	}
	a.notify = newNotifier(a.log)
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := a.build(); err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	return a, nil
}

// build turns the config into parts.
func (a *Appliance) build() error {
	cfg := a.cfg
	maddr, err := netip.ParseAddr(cfg.Media.Address)
	if err != nil {
		return fmt.Errorf("media.address: %w", err)
	}
	a.engine, err = media.NewEngine(media.EngineConfig{
		Address:      maddr,
		Ports:        cfg.Media.Ports,
		PlayoutDelay: cfg.Media.PlayoutDelay,
	}, a.log, media.NewMetrics(a.reg))
	if err != nil {
		return err
	}
	a.gate, err = gate.New(gateConfig(cfg), a.log, gate.NewMetrics(a.reg), nil)
	if err != nil {
		return err
	}
	if err := a.buildCloud(); err != nil {
		return err
	}
	if err := a.buildGenesys(); err != nil {
		return err
	}
	a.store = relay.NewLocal(cfg.Recording.Dir, a.log, relay.NewMetrics(a.reg))
	store, err := a.buildSinks()
	if err != nil {
		return err
	}
	scfg, err := sipConfig(cfg, maddr)
	if err != nil {
		return err
	}
	a.sip, err = srs.New(scfg, srs.Deps{
		Log:      a.log,
		Metrics:  srs.NewMetrics(a.reg),
		Media:    a.engine,
		Gate:     a.gate,
		Recorder: store,
		Ready:    a.ctiReady,
	})
	if err != nil {
		return err
	}
	if err := a.buildIngest(store); err != nil {
		return err
	}
	if cfg.Admin.Listen != "" {
		a.admin, err = admin.New(admin.Config{Listen: cfg.Admin.Listen}, a.adminDeps())
		if err != nil {
			return err
		}
	}
	return nil
}

// Run starts the appliance and blocks until ctx is done, then shuts down:
// SIP stops taking calls, live calls are ended with BYE and their
// recordings closed. It returns nil on a clean shutdown.
func (a *Appliance) Run(ctx context.Context) error {
	if err := a.start(ctx); err != nil {
		return errors.Join(err, a.Close())
	}
	close(a.started)
	a.startNotify()
	a.log.Info("cogito-edge running", "summary", a.config().Summary())
	<-ctx.Done()
	return a.Close()
}

func (a *Appliance) start(ctx context.Context) error {
	if err := a.engine.Start(a.life); err != nil {
		return fmt.Errorf("appliance: media: %w", err)
	}
	go func() {
		if err := a.gate.Run(a.life); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("gate stopped", "error", err)
		}
	}()
	if err := a.startCloud(ctx); err != nil {
		return err
	}
	a.startGenesys()
	if err := a.sip.Start(ctx); err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	if a.ingest != nil {
		if err := a.ingest.Start(ctx); err != nil {
			return fmt.Errorf("appliance: %w", err)
		}
	}
	if a.admin != nil {
		if err := a.admin.Start(ctx); err != nil {
			return fmt.Errorf("appliance: admin: %w", err)
		}
	}
	return nil
}

// Started is closed once Run has bound every socket.
func (a *Appliance) Started() <-chan struct{} { return a.started }

// Close drains and stops every part. It is idempotent and safe after a
// partial start.
func (a *Appliance) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	drain := a.cfg.DrainTimeout
	a.mu.Unlock()

	// DESIGN §10: new INVITEs and OPTIONS get 503 so the SBC hunts on, live
	// calls finish on their own within drain_timeout, the rest get BYE.
	a.notifyStopping(drain)
	a.sip.Drain()
	if a.ingest != nil {
		a.ingest.Drain()
	}
	if n := a.gate.Len(); n > 0 && a.isStarted() {
		a.log.Info("draining: waiting for live calls to end", "calls", n, "drain_timeout", drain)
		a.waitCallsEnded(drain)
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	var errs []error
	if n := a.gate.Len(); n > 0 {
		a.log.Info("drain timeout: ending live calls with BYE", "calls", n)
	}
	if err := a.gate.Drain(ctx); err != nil {
		errs = append(errs, fmt.Errorf("drain: %w", err))
	}
	errs = append(errs, a.closeIngest(ctx), a.sip.Close(), a.engine.Close(), a.store.Close())
	if a.relay != nil {
		// Before the tunnel goes: the cloud sink flushes through it.
		errs = append(errs, a.relay.Close())
	}
	errs = append(errs, a.gate.Close())
	if a.admin != nil {
		errs = append(errs, a.admin.Close())
	}
	errs = append(errs, a.closeGenesys(), a.closeCloud())
	a.endLife()
	a.waitNotify()
	return errors.Join(errs...)
}

// Reload applies what can change on a live appliance (SIGHUP): sip.allow,
// the gate timers, and the contents of the AudioHook credentials file and
// the Genesys client secret file. The log level belongs to the daemon. cfg
// is the running config with only the live keys replaced
// (config.ApplyLive).
func (a *Appliance) Reload(cfg *config.Config) error {
	allow, err := cfg.SIP.AllowList()
	if err != nil {
		return fmt.Errorf("appliance: reload: %w", err)
	}
	// Credentials first: a bad file must leave everything as it runs. The
	// Genesys secret is checked with the login service before it replaces
	// the running one, so it goes first of the two.
	if err := a.reloadGenesysSecret(); err != nil {
		return fmt.Errorf("appliance: reload: %w", err)
	}
	if err := a.reloadCredentials(); err != nil {
		return fmt.Errorf("appliance: reload: %w", err)
	}
	if err := a.gate.Reconfigure(gateConfig(cfg)); err != nil {
		return fmt.Errorf("appliance: reload: %w", err)
	}
	a.sip.SetAllow(allow)
	a.mu.Lock()
	a.cfg = cfg
	a.mu.Unlock()
	a.log.Info("reloaded", "sip_allow", cfg.SIP.Allow, "match_timeout", cfg.Gate.MatchTimeout,
		"early_event_ttl", cfg.Gate.EarlyEventTTL, "end_grace", cfg.Gate.EndGrace)
	return nil
}

// config returns the running config.
func (a *Appliance) config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// byeTimeout bounds the BYEs sent to calls still live after the drain.
const byeTimeout = 10 * time.Second

func (a *Appliance) isStarted() bool {
	select {
	case <-a.started:
		return true
	default:
		return false
	}
}

// waitCallsEnded returns when no session is left or after d.
func (a *Appliance) waitCallsEnded(d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for a.gate.Len() > 0 {
		select {
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

// Registry is the appliance's Prometheus registry.
func (a *Appliance) Registry() *prometheus.Registry { return a.reg }

// SIPAddr returns the bound SIP address of a transport (udp, tcp, tls).
func (a *Appliance) SIPAddr(network string) (netip.AddrPort, bool) { return a.sip.Addr(network) }

// AdminAddr returns the bound admin address, or "" when admin is off.
func (a *Appliance) AdminAddr() string {
	if a.admin == nil || a.admin.Addr() == nil {
		return ""
	}
	return a.admin.Addr().String()
}
