package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
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

// The cloud part of the lab (issues 4 and 5): the Cogito cloud simulated
// in this process (WireGuard peer on loopback UDP, control channel and
// AudioHook ingest inside the tunnel, the CTI API on loopback) and a
// second appliance process pointed at it with cti.source cloud, sink both
// and its AudioHook server on. No CTI event goes through the appliance's
// admin API: each is injected at the cloud's, which routes it by the keys
// the appliance announced.

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
	sipTitle := "SIPp oracle_inbound.xml over TCP, UCID, early media 2600 Hz; CTI start injected at the cloud"
	runSIP := cl.runSIPpInbound
	if sippWhy != "" {
		sipTitle = "callgen SIPREC over TCP, SRTP AES_CM_128_HMAC_SHA1_80; CTI start injected at the cloud"
		runSIP = cl.runCallgen
	}
	plans := []struct {
		run    func(context.Context, *labCall)
		verify func(*labCall)
		call   *labCall
	}{
		{runSIP, func(c *labCall) { cl.verify(ctx, c) }, newLabCall(sipTitle, cti.Inbound, parent.o.duration)},
		{cl.runHook, cl.verifyHook, newLabCall("Genesys AudioHook client (ahlab.Player) -> the appliance's AudioHook server; paused until the CTI start injected at the cloud", cti.Inbound, parent.o.duration)},
	}
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
		c.elapsed = time.Since(t0)
		p.verify(c)
		cl.verifyIngest(ctx, c)
		calls = append(calls, c)
		printCall(w, c)
	}
	cs := cl.checkCloud(ctx, calls)
	printChecks(w, "cloud path", cs)
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
	cl.inject = cl.injectAtCloud
	var err error
	if cl.logf, err = os.Create(filepath.Join(dir, "cloud.log")); err != nil {
		return nil, err
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
	}, slog.New(slog.NewTextHandler(cl.logf, nil)), nil)
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
	cl.httpc.CloseIdleConnections()
	if cl.logf != nil {
		cl.logf.Close()
	}
}

// injectAtCloud posts ev to the cloud's CTI API, as the Genesys adapter
// would, once the appliance has announced a session with one of its keys:
// the cloud routes it to that appliance, which acks what it did.
func (cl *cloudLab) injectAtCloud(ctx context.Context, ev cti.Event) (edgeproc.CTIResult, error) {
	keys := ev.Keys()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cl.announced(keys) {
		select {
		case <-wctx.Done():
			return edgeproc.CTIResult{}, fmt.Errorf("the appliance never announced the call to the cloud: %w", wctx.Err())
		case <-tick.C:
		}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return edgeproc.CTIResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.sim.APIURL()+"/v1/cti", bytes.NewReader(body))
	if err != nil {
		return edgeproc.CTIResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := cl.httpc.Do(req)
	if err != nil {
		return edgeproc.CTIResult{}, fmt.Errorf("cloud CTI API: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var d cloudsim.Delivery
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &d) != nil || len(d.Results) != 1 {
		return edgeproc.CTIResult{}, fmt.Errorf("cloud CTI API: %s: %s", res.Status, bytes.TrimSpace(b))
	}
	r := d.Results[0]
	if r.ApplianceID != labCloudApplianceID || d.Route != cloudsim.RouteKeys {
		return edgeproc.CTIResult{}, fmt.Errorf("cloud CTI API: routed %s to %s, want by keys to %s", d.Route, r.ApplianceID, labCloudApplianceID)
	}
	return edgeproc.CTIResult{Outcome: string(r.Outcome), Applied: r.Applied}, nil
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
