package appliance

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/cogito/cogito-edge/appliance/admin"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/srs"
)

func gateConfig(cfg *config.Config) gate.Config {
	return gate.Config{
		MatchTimeout:  cfg.Gate.MatchTimeout,
		OnTimeout:     gate.OnTimeout(cfg.Gate.OnTimeout),
		EarlyEventTTL: cfg.Gate.EarlyEventTTL,
		EndGrace:      cfg.Gate.EndGrace,
	}
}

func sipConfig(cfg *config.Config, maddr netip.Addr) (srs.Config, error) {
	listeners, err := cfg.SIP.Listeners()
	if err != nil {
		return srs.Config{}, err
	}
	allow, err := cfg.SIP.AllowList()
	if err != nil {
		return srs.Config{}, err
	}
	policy, err := negotiate.ParseSRTPPolicy(cfg.Media.SRTP)
	if err != nil {
		return srs.Config{}, err
	}
	out := srs.Config{
		Allow:        []netip.Prefix(allow),
		MaxSessions:  cfg.SIP.MaxSessions,
		UserAgent:    cfg.SIP.UserAgent,
		MediaAddr:    maddr,
		SRTP:         policy,
		HoldInactive: cfg.Gate.Hold == "inactive",
	}
	for _, l := range listeners {
		out.Listen = append(out.Listen, srs.Listen{Network: l.Network, Addr: l.Addr.String()})
	}
	if cfg.SIP.TLS.CertFile != "" {
		tc, err := loadTLS(cfg.SIP.TLS.CertFile, cfg.SIP.TLS.KeyFile)
		if err != nil {
			return srs.Config{}, fmt.Errorf("sip.tls: %w", err)
		}
		out.TLS = tc
	}
	return out, nil
}

func (a *Appliance) adminDeps() admin.Deps {
	d := admin.Deps{
		Registry: a.reg,
		Log:      a.log,
		Calls:    func() any { return a.calls() },
		Call: func(id string) (any, bool) {
			for _, c := range a.calls() {
				if c.ID == id {
					return c, true
				}
			}
			return nil, false
		},
		Checks: a.checks,
	}
	if src, err := a.cfg.CTI.Sources(); err == nil && src.Has("api") {
		d.CTI = func(ctx context.Context, ev cti.Event) (any, error) { return a.gate.Deliver(ctx, ev) }
	}
	return d
}

func (a *Appliance) checks() []admin.Check {
	out := []admin.Check{{Name: "sip", OK: true}}
	if err := a.sip.Ready(); err != nil {
		out[0] = admin.Check{Name: "sip", OK: false, Detail: err.Error()}
	}
	free := a.engine.Ports().Free()
	out = append(out, admin.Check{Name: "media_ports", OK: free >= 2, Detail: fmt.Sprintf("%d of %d pairs free", free, a.engine.Ports().Size())})
	out = append(out, a.cloudChecks()...)
	return append(out, a.genesysChecks()...)
}
