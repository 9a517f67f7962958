package cloudsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
)

// The cloud's Genesys Cloud CTI: the tracker of appliance/cti/genesys
// follows one organization's agents, and every event it emits is
// forwarded over the control channel, routed as an injected one is.

// maxForwards is how many forwarded events the simulator remembers.
const maxForwards = 512

// GenesysConfig runs the Genesys Cloud CTI tracker in the cloud. It is off
// unless BaseURL or Region is set.
type GenesysConfig struct {
	// BaseURL is the Genesys simulator's URL (`cogito-lab genesys`); it
	// replaces both the login and the API hosts. Region (usw2, us-west-2,
	// mypurecloud.com) names a real organization's instead.
	BaseURL string
	Region  string
	// ClientID and ClientSecret are the OAuth client (client credentials).
	ClientID     string
	ClientSecret string
	// Tune, if set, adjusts the tracker's config (timeouts, limits,
	// clock) before the tracker is made; BaseURL, Region, the client and
	// OnEvent are set from this config and must not be changed.
	Tune func(*genesys.Config)
	// OnForward, if set, is told what became of each event the tracker
	// emitted, in order, once the appliances answered. It must not block.
	OnForward func(Forward)
}

func (c GenesysConfig) enabled() bool { return c.BaseURL != "" || c.Region != "" }

// Forward is one event the tracker emitted and what became of it.
type Forward struct {
	Event cti.Event `json:"event"`
	// Emitted is when the tracker emitted it; Delivered when the
	// appliances had answered (or the delivery failed).
	Emitted   time.Time `json:"emitted"`
	Delivered time.Time `json:"delivered"`
	Delivery  Delivery  `json:"delivery"`
	// Error says why it reached no appliance (none connected).
	Error string `json:"error,omitempty"`
}

// GenesysStatus is GET /v1/genesys: the tracker's state and the events it
// forwarded, oldest first (the last 512).
type GenesysStatus struct {
	TokenURL string         `json:"token_url"`
	API      string         `json:"api"`
	Status   genesys.Status `json:"status"`
	// Ready is "ok", or why the tracker cannot deliver events.
	Ready    string    `json:"ready"`
	Forwards []Forward `json:"forwards"`
}

// genesysCTI is the tracker and its forwarding to the control channel.
type genesysCTI struct {
	cfg  GenesysConfig
	tr   *genesys.Tracker
	ctrl *Control
	log  *slog.Logger

	ctx    context.Context // ends at close: a delivery in flight gives up
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned

	mu       sync.Mutex // guards the fields below
	forwards []Forward
	started  bool
}

// newGenesysCTI validates cfg and makes the tracker; it connects to
// nothing until start.
func newGenesysCTI(cfg GenesysConfig, ctrl *Control, log *slog.Logger, reg prometheus.Registerer) (*genesysCTI, error) {
	g := &genesysCTI{cfg: cfg, ctrl: ctrl, log: log.With("component", "cloudsim-genesys"), done: make(chan struct{})}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	tc := genesys.Config{}
	if cfg.Tune != nil {
		cfg.Tune(&tc)
	}
	tc.BaseURL, tc.Region, tc.ClientID, tc.ClientSecret, tc.OnEvent = cfg.BaseURL, cfg.Region, cfg.ClientID, cfg.ClientSecret, g.forward
	tr, err := genesys.New(tc, log, genesys.NewMetrics(reg))
	if err != nil {
		g.cancel()
		return nil, fmt.Errorf("%w: genesys: %w", ErrConfig, err)
	}
	g.tr = tr
	return g, nil
}

// start runs the tracker until close.
func (g *genesysCTI) start() {
	g.mu.Lock()
	g.started = true
	g.mu.Unlock()
	go func() {
		defer close(g.done)
		if err := g.tr.Run(g.ctx); err != nil {
			g.log.Error("genesys tracker stopped", "err", err)
		}
	}()
	ep := g.tr.Endpoints()
	g.log.Info("genesys tracker following the agents", "token_url", ep.TokenURL, "api", ep.API)
}

// close stops the tracker and waits for it.
func (g *genesysCTI) close() {
	g.cancel()
	_ = g.tr.Close()
	g.mu.Lock()
	started := g.started
	g.mu.Unlock()
	if started {
		<-g.done
	}
}

// forward is the tracker's OnEvent: it routes ev to the appliances and
// waits for their acks, so that the next event of the call goes after
// it (the tracker's notifications wait meanwhile; none is lost).
func (g *genesysCTI) forward(ev cti.Event) {
	f := Forward{Event: ev, Emitted: time.Now()}
	d, err := g.ctrl.Deliver(g.ctx, ev)
	f.Delivered, f.Delivery = time.Now(), d
	if err != nil {
		f.Error = err.Error()
		lvl := slog.LevelWarn
		if errors.Is(err, ErrNoAppliance) {
			lvl = slog.LevelInfo
		}
		g.log.Log(g.ctx, lvl, "genesys event reached no appliance", "type", ev.Type, "conversation_id", ev.ConversationID,
			"ucid", ev.UCID, "agent_id", ev.AgentID, "err", err)
	}
	g.mu.Lock()
	if len(g.forwards) == maxForwards {
		g.forwards = g.forwards[:copy(g.forwards, g.forwards[1:])]
	}
	g.forwards = append(g.forwards, f)
	g.mu.Unlock()
	if g.cfg.OnForward != nil {
		g.cfg.OnForward(f)
	}
}

// status is GET /v1/genesys.
func (g *genesysCTI) status() GenesysStatus {
	ep := g.tr.Endpoints()
	st := GenesysStatus{TokenURL: ep.TokenURL, API: ep.API, Status: g.tr.Status(), Ready: "ok", Forwards: g.list()}
	if err := g.tr.Ready(); err != nil {
		st.Ready = err.Error()
	}
	return st
}

func (g *genesysCTI) list() []Forward {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Forward(nil), g.forwards...)
}

// following reports whether the tracker follows every agent it knows of
// on connected channels: what it needs to miss no call from now on.
func following(st genesys.Status) bool {
	if !st.UsersLoaded || st.Users == 0 || len(st.Channels) == 0 {
		return false
	}
	topics := 0
	for _, c := range st.Channels {
		if !c.Connected {
			return false
		}
		topics += c.Topics - c.Rejected
	}
	return topics == st.Users
}

// Genesys is the cloud's Genesys tracker, nil without Config.Genesys.
func (s *Sim) Genesys() *genesys.Tracker {
	if s.gen == nil {
		return nil
	}
	return s.gen.tr
}

// GenesysStatus is the tracker's state and the events it forwarded (GET
// /v1/genesys); false without Config.Genesys.
func (s *Sim) GenesysStatus() (GenesysStatus, bool) {
	if s.gen == nil {
		return GenesysStatus{}, false
	}
	return s.gen.status(), true
}

// Forwards lists the events the tracker emitted and what became of them,
// oldest first (the last 512); nil without Config.Genesys.
func (s *Sim) Forwards() []Forward {
	if s.gen == nil {
		return nil
	}
	return s.gen.list()
}

// WaitGenesys waits until the tracker follows every agent it read on
// connected notification channels, so that no call placed from then on is
// missed (Genesys does not replay notifications).
func (s *Sim) WaitGenesys(ctx context.Context) error {
	if s.gen == nil {
		return fmt.Errorf("cloudsim: wait for genesys: %w", ErrNoGenesys)
	}
	tick := time.NewTicker(20 * time.Millisecond) // the tracker has no change notification
	defer tick.Stop()
	for {
		st := s.gen.tr.Status()
		if following(st) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cloudsim: genesys tracker not following every agent (%d users, %d channels, last error %q): %w",
				st.Users, len(st.Channels), st.LastError, ctx.Err())
		case <-tick.C:
		}
	}
}
