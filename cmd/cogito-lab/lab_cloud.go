package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/cloudsim"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/tunnel"
)

// The cloud part of the lab (issues 4, 5 and 6): the Cogito cloud
// simulated in this process (WireGuard peer on loopback UDP, control
// channel and AudioHook ingest inside the tunnel, the CTI API on
// loopback, the Genesys CTI tracker), Genesys Cloud simulated too, and a
// second appliance process pointed at the cloud with cti.source cloud,
// sink both and its AudioHook server on. No CTI event goes through the
// appliance's admin API, and none is injected by hand: each call is
// placed in the Genesys simulator, and the cloud's tracker sends its
// events, routed by the keys the appliance announced.

const (
	// labCloudApplianceID is the cloud appliance's appliance_id.
	labCloudApplianceID = "lab-cloud-edge"
	// labHookKey is the API key the lab's Genesys client signs with.
	labHookKey = "lab-genesys"
	// labHookPath is where the appliance's AudioHook server is reached.
	labHookPath = "/api/v1/audiohook/ws"
	// labHookPaused is how long the Genesys client streams before the CTI
	// start: audio the paused session discards.
	labHookPaused = time.Second
)

// cloudLab is the lab's cloud part: the embedded lab's edge is the cloud
// appliance and its CTI events are injected at the cloud.
type cloudLab struct {
	lab
	sim        *cloudsim.Sim
	gen        *labGenesys
	hookURL    string
	hookSecret []byte
	ingestDir  string
	logf       *os.File
	httpc      *http.Client
}

// runCloudPart runs the cloud path after the main part: a SIPREC call
// (SIPp when it can run, else callgen) and a Genesys AudioHook call, both
// activated by CTI starts injected at the cloud, both recorded locally and
// ingested by the cloud. first numbers its calls. It returns the calls and
// the checks of the cloud part as a whole.
func runCloudPart(ctx context.Context, parent *lab, sippWhy string, first int) ([]*labCall, []check) {
	w := parent.w
	fmt.Fprintf(w, "\n== the cloud path: SBC or Genesys -> appliance -> WireGuard tunnel -> cloud ==\n")
	cl, err := startCloudLab(ctx, parent)
	if cl != nil {
		defer cl.close()
	}
	if err != nil {
		cs := []check{{"cloud path set up", false, err.Error()}}
		printChecks(w, "cloud path", cs)
		return nil, cs
	}
	type plan struct {
		run    func(context.Context, *labCall)
		verify func(*labCall)
		call   *labCall
	}
	verifySIP := func(c *labCall) { cl.verify(ctx, c) }
	const viaGenesys = "; CTI from a Genesys call through the cloud's tracker"
	plans := []plan{
		{cl.runSIPpInbound, verifySIP, newLabCall("SIPp oracle_inbound.xml over TCP, UCID in UUI, early media 2600 Hz; Genesys inbound call with that UCID"+viaGenesys, cti.Inbound, parent.o.duration)},
		{cl.runSIPpOutbound, verifySIP, newLabCall("SIPp oracle_outbound.xml over UDP, x-inin-cnv, early media 2600 Hz; Genesys outbound call under that conversation id"+viaGenesys, cti.Outbound, parent.o.duration)},
	}
	if sippWhy != "" {
		plans = []plan{{cl.runCallgen, verifySIP, newLabCall("callgen SIPREC over TCP, SRTP AES_CM_128_HMAC_SHA1_80, UCID; Genesys inbound call with that UCID"+viaGenesys, cti.Inbound, parent.o.duration)}}
	}
	plans = append(plans, plan{cl.runHook, cl.verifyHook, newLabCall("Genesys AudioHook client (ahlab.Player) -> the appliance's AudioHook server; paused until the Genesys call's start"+viaGenesys, cti.Inbound, parent.o.duration)})
	var calls []*labCall
	for i, p := range plans {
		if ctx.Err() != nil {
			break
		}
		c := p.call
		c.n = first + i
		c.dir = filepath.Join(parent.dir, fmt.Sprintf("call%d", c.n))
		if err := os.MkdirAll(c.dir, 0o755); err != nil {
			c.fail("%v", err)
		}
		t0 := time.Now()
		p.run(ctx, c)
		cl.hangUp(ctx, c)
		c.elapsed = time.Since(t0)
		p.verify(c)
		cl.verifyIngest(ctx, c)
		calls = append(calls, c)
		printCall(w, c)
	}
	cs := cl.checkCloud(ctx, calls)
	printChecks(w, "cloud path", cs)
	printGenesysReport(w, calls)
	return calls, cs
}

// startCloudLab starts the simulated cloud, then the appliance pointed at
// it: the appliance is ready only once its tunnel has a handshake and its
// control channel is up.
func startCloudLab(ctx context.Context, parent *lab) (*cloudLab, error) {
	dir := filepath.Join(parent.dir, "cloud")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cl := &cloudLab{lab: *parent, httpc: &http.Client{Timeout: 10 * time.Second}}
	cl.inject = cl.placeGenesysCall
	var err error
	if cl.logf, err = os.Create(filepath.Join(dir, "cloud.log")); err != nil {
		return nil, err
	}
	cloudLog := slog.New(slog.NewTextHandler(cl.logf, nil))
	if cl.gen, err = startLabGenesys(ctx, cloudLog); err != nil {
		return cl, fmt.Errorf("the Genesys simulator: %w", err)
	}
	edgeKey, err := tunnel.GenerateKey()
	if err != nil {
		return cl, err
	}
	cloudKey, err := tunnel.GenerateKey()
	if err != nil {
		return cl, err
	}
	wgKey := filepath.Join(dir, "wg.key")
	if err := writeNewFile(wgKey, edgeKey.String()+"\n"); err != nil {
		return cl, err
	}
	relaySecret := filepath.Join(dir, "relay.secret")
	cl.ingestDir = filepath.Join(dir, "ingest")
	cl.sim, err = cloudsim.New(cloudsim.Config{
		PrivateKey:    cloudKey,
		PeerPublicKey: tunnel.PublicKey(edgeKey),
		ListenUDP:     netip.AddrPortFrom(loopback, 0),
		API:           "127.0.0.1:0",
		Ingest:        cloudsim.IngestConfig{Dir: cl.ingestDir, SecretFile: relaySecret},
		Genesys:       cl.gen.trackerConfig(),
	}, cloudLog, nil)
	if err != nil {
		return cl, err
	}
	if err := cl.sim.Start(ctx); err != nil {
		return cl, err
	}
	if err := writeSecretFile(relaySecret, cl.sim.RelaySecret()); err != nil {
		return cl, err
	}
	// The appliance's AudioHook server, as a Genesys integration would
	// be set up: an API key and its client secret.
	cl.hookSecret = cloudsim.NewRelaySecret()
	creds := filepath.Join(dir, "audiohook.yaml")
	if err := writeNewFile(creds, fmt.Sprintf("- api_key: %s\n  client_secret: %s\n", labHookKey,
		base64.StdEncoding.EncodeToString(cl.hookSecret))); err != nil {
		return cl, err
	}
	hookPort, err := edgeproc.FreePort(loopback, "tcp")
	if err != nil {
		return cl, err
	}
	sim := cl.sim
	extra := fmt.Sprintf(`cloud:
  tunnel:
    private_key_file: %q
    address: %s
    peer: {public_key: %q, endpoint: %q}
  control_url: %s
  relay: {url: %s, api_key: %q, client_secret_file: %q}
audiohook:
  listen: 127.0.0.1:%d
  credentials_file: %q
`, wgKey, sim.TunnelAddress(), sim.PublicKey().String(), sim.Endpoint().String(), sim.ControlURL(),
		sim.RelayURL(), sim.RelayAPIKey(), relaySecret, hookPort, creds)
	started := time.Now()
	w := parent.w
	fmt.Fprintf(w, "cloud      simulator in this process: WireGuard udp %s, API %s\n", sim.Endpoint(), sim.APIURL())
	fmt.Fprintf(w, "  control channel %s, AudioHook ingest %s (inside the tunnel)\n", sim.ControlURL(), sim.RelayURL())
	fmt.Fprintf(w, "  ingested recordings %s\n  log %s\n", cl.ingestDir, cl.logf.Name())
	fmt.Fprintf(w, "genesys    simulator in this process: %s, %d agents, OAuth client %s; the cloud's tracker follows them\n",
		cl.gen.sim.URL(), len(cl.gen.users), labGenesysClientID)
	cl.edge, err = edgeproc.Start(ctx, edgeproc.Options{Binary: parent.o.edge, Dir: filepath.Join(dir, "edge"),
		ApplianceID: labCloudApplianceID, MaxSessions: 20, DrainTimeout: 5 * time.Second,
		CTISource: "cloud", Sink: "both", ExtraYAML: extra})
	if err != nil {
		return cl, fmt.Errorf("start the cloud appliance: %w", err)
	}
	cl.hookURL = fmt.Sprintf("ws://127.0.0.1:%d%s", hookPort, labHookPath)
	cfg := cl.edge.Config()
	fmt.Fprintf(w, "appliance  %s (pid %d), ready in %v (tunnel handshake done, control channel up)\n",
		parent.o.edge, cl.edge.PID(), time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(w, "  cti.source cloud, sink both; tunnel %s -> %s; SIP %s udp+tcp, media %v:%d-%d; AudioHook server %s\n",
		sim.TunnelAddress(), sim.Endpoint(), cl.edge.SIPAddr(), cfg.MediaIP, cfg.MediaPorts[0], cfg.MediaPorts[1], cl.hookURL)
	fmt.Fprintf(w, "  config %s\n  log    %s\n  recordings %s\n", cl.edge.ConfigPath(), cl.edge.LogPath(), cl.edge.RecordingDir())
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sim.WaitGenesys(wctx); err != nil {
		return cl, err
	}
	st, _ := sim.GenesysStatus()
	fmt.Fprintf(w, "tracker    following %d agents on %d notification channel(s) after %v\n",
		st.Status.Users, len(st.Status.Channels), time.Since(started).Round(time.Millisecond))
	return cl, nil
}

// close stops the appliance (if still running) and the simulated cloud.
func (cl *cloudLab) close() {
	if cl.edge != nil {
		_ = cl.edge.Stop()
	}
	if cl.sim != nil {
		_ = cl.sim.Close()
	}
	if cl.gen != nil {
		cl.gen.close()
	}
	cl.httpc.CloseIdleConnections()
	if cl.logf != nil {
		cl.logf.Close()
	}
}

// announced reports whether the appliance told the cloud of a live
// session sharing one of keys.
func (cl *cloudLab) announced(keys callkey.Set) bool {
	for _, a := range cl.sim.Appliances() {
		for _, s := range a.Sessions {
			if s.Keys.Intersects(keys) {
				return true
			}
		}
	}
	return false
}
