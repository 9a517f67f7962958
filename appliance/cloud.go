package appliance

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/cogito/cogito-edge/appliance/admin"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti/control"
	"github.com/cogito/cogito-edge/tunnel"
)

// cloudLink is the appliance's link to the Cogito cloud: the WireGuard
// tunnel (DESIGN §7) and, with cti.source cloud, the control channel
// inside it (DESIGN §12). The AudioHook relay will dial through the same
// tunnel.
type cloudLink struct {
	tun  *tunnel.Tunnel  // nil when nothing needs the cloud
	ctl  *control.Client // nil unless cti.source has cloud
	stop context.CancelFunc
	done chan struct{} // closed when the control client's Run returns
}

// WithVersion sets the software version the appliance reports to the
// cloud in its hello; the default is the module version in the binary's
// build info.
func WithVersion(v string) Option { return func(a *Appliance) { a.version = v } }

// needsCloud reports whether the config uses the tunnel (cti.source cloud
// or a cloud sink) and the control channel (cti.source cloud).
func needsCloud(cfg *config.Config) (tunnelOn, controlOn bool) {
	src, _ := cfg.CTI.Sources() // validated by New
	controlOn = src.Has(config.SourceCloud)
	return controlOn || cfg.Sink == config.SinkCloud || cfg.Sink == config.SinkBoth, controlOn
}

// buildCloud creates the tunnel and the control client without opening a
// socket, and has the gate announce its sessions through the client.
func (a *Appliance) buildCloud() error {
	tunnelOn, controlOn := needsCloud(a.cfg)
	if !tunnelOn {
		return nil
	}
	tcfg, err := tunnelConfig(a.cfg.Cloud.Tunnel)
	if err != nil {
		return err
	}
	tun, err := tunnel.New(tcfg, a.log, tunnel.NewMetrics(a.reg))
	if err != nil {
		return fmt.Errorf("cloud.tunnel: %w", err)
	}
	a.cloud = &cloudLink{tun: tun}
	if !controlOn {
		return nil
	}
	grace := a.cfg.Cloud.ControlGrace
	if grace == 0 {
		grace = -1 // control_grace: 0s is no grace, not the default
	}
	a.cloud.ctl, err = control.New(control.Config{
		URL:          a.cfg.Cloud.ControlURL,
		ApplianceID:  a.cfg.ID(),
		Version:      a.versionOrBuild(),
		DialContext:  tun.DialContext,
		Grace:        grace,
		PingInterval: pingInterval(a.cfg.Cloud.ControlGrace),
	}, a.gate, a.log, control.NewMetrics(a.reg))
	if err != nil {
		_ = tun.Close()
		a.cloud = nil
		return fmt.Errorf("cloud.control_url: %w", err)
	}
	a.gate.SetObserver(a.cloud.ctl.Observe)
	return nil
}

// pingInterval is the control channel's ping interval: a third of the
// grace, so that a dead connection (two silent intervals) is noticed
// within it, between 250 ms and the protocol's 10 s default.
func pingInterval(grace time.Duration) time.Duration {
	return min(max(grace/3, 250*time.Millisecond), control.DefaultPingInterval)
}

// tunnelConfig maps cloud.tunnel onto the tunnel package.
func tunnelConfig(t config.Tunnel) (tunnel.Config, error) {
	prefix, err := t.Prefix()
	if err != nil {
		return tunnel.Config{}, err
	}
	peer, err := t.Peer.Key()
	if err != nil {
		return tunnel.Config{}, err
	}
	allowed, err := t.Peer.AllowedPrefixes()
	if err != nil {
		return tunnel.Config{}, err
	}
	keepalive := t.Peer.Keepalive
	if keepalive == 0 {
		keepalive = -1 // the config's 0 is off; the tunnel's is its default
	}
	return tunnel.Config{
		PrivateKeyFile: t.PrivateKeyFile,
		Addresses:      []netip.Prefix{prefix},
		MTU:            t.MTU,
		PeerPublicKey:  tunnel.Key(peer),
		Endpoint:       t.Peer.Endpoint,
		Keepalive:      keepalive,
		AllowedIPs:     allowed,
	}, nil
}

// startCloud brings the tunnel up and starts the control channel. The
// channel runs on the appliance's life, not on Run's context, so that CTI
// events keep coming while live calls drain.
func (a *Appliance) startCloud(ctx context.Context) error {
	if a.cloud == nil {
		return nil
	}
	if err := a.cloud.tun.Start(ctx); err != nil {
		return fmt.Errorf("appliance: tunnel: %w", err)
	}
	if a.cloud.ctl == nil {
		return nil
	}
	cctx, stop := context.WithCancel(a.life)
	a.cloud.stop, a.cloud.done = stop, make(chan struct{})
	go func() {
		defer close(a.cloud.done)
		if err := a.cloud.ctl.Run(cctx); err != nil {
			a.log.Error("control channel stopped", "err", err)
		}
	}()
	return nil
}

// closeCloud stops the control channel, then the tunnel under it. It runs
// after the parts that use them are closed.
func (a *Appliance) closeCloud() error {
	if a.cloud == nil {
		return nil
	}
	if a.cloud.stop != nil {
		a.cloud.stop()
		<-a.cloud.done
	}
	return a.cloud.tun.Close()
}

// cloudReady is the cloud's part of "can we take a call" (SIP OPTIONS):
// a tunnel with a valid session, and a control channel that is up or
// down no longer than cloud.control_grace.
func (a *Appliance) cloudReady() error {
	var errs []error
	for _, c := range a.cloudChecks() {
		if !c.OK {
			errs = append(errs, fmt.Errorf("%s: %s", c.Name, c.Detail))
		}
	}
	return errors.Join(errs...)
}

// cloudChecks are the /readyz checks of the tunnel and the control channel.
func (a *Appliance) cloudChecks() []admin.Check {
	if a.cloud == nil {
		return nil
	}
	h := a.cloud.tun.Health()
	tc := admin.Check{Name: "tunnel", OK: h.Ready, Detail: h.Problem}
	if h.Ready {
		tc.Detail = fmt.Sprintf("handshake %s ago with %s", h.HandshakeAge.Round(time.Second), h.EndpointAddress)
	}
	out := []admin.Check{tc}
	if ctl := a.cloud.ctl; ctl != nil {
		st := ctl.Status()
		cc := admin.Check{Name: "cloud_control", OK: true}
		switch err := ctl.Ready(); {
		case err != nil:
			cc.OK, cc.Detail = false, err.Error()
		case st.Connected:
			cc.Detail = "connected to " + st.URL + " since " + st.Since.UTC().Format(time.RFC3339)
		default:
			cc.Detail = fmt.Sprintf("down for %s, within cloud.control_grace: %s", st.DownFor.Round(100*time.Millisecond), st.LastError)
		}
		out = append(out, cc)
	}
	return out
}

// versionOrBuild is WithVersion's version, else the build info's.
func (a *Appliance) versionOrBuild() string {
	if a.version != "" {
		return a.version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
