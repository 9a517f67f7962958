package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/control"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// genesysSource is direct mode (cti.source genesys, DESIGN §8): the
// appliance runs the Genesys Cloud tracker itself and hands its events to
// the gate, as the control channel does with the cloud's.
type genesysSource struct {
	tr         *genesys.Tracker
	gate       *gate.Gate
	log        *slog.Logger
	secretFile string
	// life is the appliance's life: events keep reaching the gate while
	// live calls drain.
	life context.Context
	// events counts the tracker's events by what the gate did with them,
	// with the control channel's outcomes.
	events *prometheus.CounterVec

	stop context.CancelFunc // nil until started
	done chan struct{}      // closed when the tracker's Run returns
}

// secretTimeout bounds the login with a new client secret on reload.
const secretTimeout = 15 * time.Second

// maxSecretSize bounds what is read of client_secret_file.
const maxSecretSize = 4096

// withGenesysTuning lets tests shorten the tracker's timers.
func withGenesysTuning(f func(*genesys.Config)) Option {
	return func(a *Appliance) { a.tuneGenesys = f }
}

// buildGenesys creates the tracker when cti.source has genesys; it
// connects to nothing until startGenesys.
func (a *Appliance) buildGenesys() error {
	src, _ := a.cfg.CTI.Sources() // validated by New
	if !src.Has(config.SourceGenesys) {
		return nil
	}
	g := a.cfg.CTI.Genesys
	secret, err := readSecret(g.ClientSecretFile)
	if err != nil {
		return fmt.Errorf("cti.genesys.client_secret_file: %w", err)
	}
	gs := &genesysSource{
		gate:       a.gate,
		log:        a.log.With("component", "cti-genesys"),
		secretFile: g.ClientSecretFile,
		life:       a.life,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cogito_edge_genesys_cti_events_total",
			Help: "CTI events from Genesys Cloud handed to the gate, by outcome (matched, ignored, cached, invalid, error)."},
			[]string{"outcome"}),
	}
	for _, o := range []control.Outcome{control.OutcomeMatched, control.OutcomeIgnored, control.OutcomeCached, control.OutcomeInvalid, control.OutcomeError} {
		gs.events.WithLabelValues(string(o))
	}
	tcfg := genesys.Config{
		Region:       g.Region,
		BaseURL:      g.BaseURL,
		ClientID:     g.ClientID,
		ClientSecret: secret,
		UUIAttribute: g.UUIAttribute,
		OnEvent:      gs.deliver,
		UserAgent:    "cogito-edge/" + a.versionOrBuild(),
	}
	if a.tuneGenesys != nil {
		a.tuneGenesys(&tcfg)
	}
	if gs.tr, err = genesys.New(tcfg, a.log, genesys.NewMetrics(a.reg)); err != nil {
		return fmt.Errorf("cti.genesys: %w", err)
	}
	a.reg.MustRegister(gs.events)
	a.genesys = gs
	return nil
}

// readSecret reads a client secret file: its content without surrounding
// white space, which must not be empty.
func readSecret(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretSize {
		return "", fmt.Errorf("%s: over %d bytes: not a client secret", path, maxSecretSize)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s: empty", path)
	}
	return s, nil
}

// deliver is the tracker's OnEvent: it hands ev to the gate, which never
// waits on a call leg, and counts and logs the outcome as the control
// channel does.
func (gs *genesysSource) deliver(ev cti.Event) {
	res, err := gs.gate.Deliver(gs.life, ev)
	outcome := control.Outcome(res.Outcome)
	switch {
	case errors.Is(err, cti.ErrInvalid):
		outcome = control.OutcomeInvalid
	case err != nil:
		outcome = control.OutcomeError
	}
	gs.events.WithLabelValues(string(outcome)).Inc()
	attrs := []any{"type", ev.Type, "conversation_id", ev.ConversationID, "agent_id", ev.AgentID,
		"keys", ev.Keys().Len(), "outcome", outcome}
	if len(res.Applied) > 0 {
		attrs = append(attrs, "applied", res.Applied)
	}
	if err != nil {
		gs.log.Warn("cti event from Genesys not delivered", append(attrs, "err", err)...)
		return
	}
	gs.log.Info("cti event from Genesys", attrs...)
}

// startGenesys runs the tracker on the appliance's life, not on Run's
// context, so that CTI events keep coming while live calls drain.
func (a *Appliance) startGenesys() {
	gs := a.genesys
	if gs == nil {
		return
	}
	ctx, stop := context.WithCancel(a.life)
	gs.stop, gs.done = stop, make(chan struct{})
	go func() {
		defer close(gs.done)
		if err := gs.tr.Run(ctx); err != nil {
			gs.log.Error("Genesys tracker stopped", "err", err)
		}
	}()
}

// closeGenesys stops the tracker and waits for it. It runs after the gate
// is closed: events that arrive meanwhile count as errors.
func (a *Appliance) closeGenesys() error {
	gs := a.genesys
	if gs == nil {
		return nil
	}
	if gs.stop != nil {
		gs.stop()
	}
	err := gs.tr.Close()
	if gs.done != nil {
		<-gs.done
	}
	return err
}

// reloadGenesysSecret re-reads cti.genesys.client_secret_file (SIGHUP).
// When the secret changed, the tracker logs in with it before it replaces
// the running one; an unreadable file or a secret the login service
// refuses keeps the running secret and fails the reload.
func (a *Appliance) reloadGenesysSecret() error {
	gs := a.genesys
	if gs == nil {
		return nil
	}
	secret, err := readSecret(gs.secretFile)
	if err != nil {
		return fmt.Errorf("cti.genesys.client_secret_file: %w", err)
	}
	ctx, cancel := context.WithTimeout(a.life, secretTimeout)
	defer cancel()
	if err := gs.tr.SetClientSecret(ctx, secret); err != nil {
		return fmt.Errorf("cti.genesys.client_secret_file: %w", err)
	}
	return nil
}
