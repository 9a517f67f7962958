package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/cloudsim"
	"github.com/cogito/cogito-edge/tunnel"
)

// cloudEdge is an appliance whose CTI events come from the cloud
// simulator, over a real netstack WireGuard tunnel on loopback and the
// control channel inside it.
type cloudEdge struct {
	*edge
	cloudAPI
	sim  *cloudsim.Sim
	udp  *dropConn  // the simulator's UDP socket, which a test can cut
	logs *logBuffer // the appliance's log
}

// cloudOptions vary the set-up.
type cloudOptions struct {
	grace        time.Duration // cloud.control_grace; default 30s
	simPing      time.Duration // the simulator's ping interval; default 1s
	wrongPeerKey bool          // the appliance gets a peer key that is not the cloud's
	// sink is the appliance's sink; cloud and both stream recordings
	// through the tunnel to the simulator's AudioHook ingest. Default local.
	sink   string
	mutate func(*config.Config)
	// simMutate adjusts the simulator's config (its Genesys tracker).
	simMutate func(*cloudsim.Config)
}

// startCloudEdge runs the cloud simulator and an appliance with
// cti.source cloud pointed at it, as `cogito-lab cloud` prints it.
func startCloudEdge(t *testing.T, o cloudOptions) *cloudEdge {
	t.Helper()
	edgeKey := mustTunnelKey(t)
	keyFile := filepath.Join(t.TempDir(), "wg.key")
	if err := os.WriteFile(keyFile, []byte(edgeKey.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp := &dropConn{PacketConn: pc}
	if o.simPing == 0 {
		o.simPing = time.Second
	}
	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cloud simulator log:\n%s", logs.String())
		}
	})
	simCfg := cloudsim.Config{
		PrivateKey:    mustTunnelKey(t),
		PeerPublicKey: tunnel.PublicKey(edgeKey),
		PacketConn:    udp,
		Control:       cloudsim.ControlConfig{PingInterval: o.simPing},
		API:           "127.0.0.1:0",
	}
	relayed := o.sink == config.SinkCloud || o.sink == config.SinkBoth
	secretFile := filepath.Join(filepath.Dir(keyFile), "relay.secret")
	if relayed {
		simCfg.Ingest = cloudsim.IngestConfig{Dir: t.TempDir(), APIKey: "e2e-relay", SecretFile: secretFile}
	}
	if o.simMutate != nil {
		o.simMutate(&simCfg)
	}
	sim, err := cloudsim.New(simCfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if relayed { // what the operator writes from the simulator's snippet
		if err := os.WriteFile(secretFile, []byte(base64.StdEncoding.EncodeToString(sim.RelaySecret())+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	peerKey := sim.PublicKey()
	if o.wrongPeerKey {
		peerKey = tunnel.PublicKey(mustTunnelKey(t))
	}
	id := fmt.Sprintf("e2e-edge-%d", rand.Uint32())
	e, edgeLogs := startEdgeLogged(t, func(c *config.Config) {
		c.ApplianceID = id
		c.CTI.Source = config.SourceCloud
		c.Cloud.Tunnel = config.Tunnel{
			PrivateKeyFile: keyFile,
			Address:        sim.TunnelAddress().String(),
			MTU:            1280,
			Peer:           config.Peer{PublicKey: peerKey.String(), Endpoint: sim.Endpoint().String(), Keepalive: 25 * time.Second},
		}
		c.Cloud.ControlURL = sim.ControlURL()
		if relayed {
			c.Sink = o.sink
			c.Cloud.Relay.URL, c.Cloud.Relay.APIKey, c.Cloud.Relay.ClientSecretFile = sim.RelayURL(), sim.RelayAPIKey(), secretFile
		}
		if o.grace != 0 {
			c.Cloud.ControlGrace = o.grace
		}
		if o.mutate != nil {
			o.mutate(c)
		}
	})
	return &cloudEdge{edge: e, cloudAPI: cloudAPI{url: sim.APIURL(), id: id}, sim: sim, udp: udp, logs: edgeLogs}
}

func mustTunnelKey(t testing.TB) tunnel.Key {
	t.Helper()
	k, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// cloudAPI is a client of the cloud simulator's HTTP API for one
// appliance.
type cloudAPI struct {
	url string // http://host:port
	id  string // the appliance's appliance_id
}

// appliance returns the cloud's view of the appliance, if connected.
func (c cloudAPI) appliance() (cloudsim.Appliance, bool) {
	res, err := http.Get(c.url + "/v1/appliances")
	if err != nil {
		return cloudsim.Appliance{}, false
	}
	defer res.Body.Close()
	var as []cloudsim.Appliance
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&as) != nil {
		return cloudsim.Appliance{}, false
	}
	for _, a := range as {
		if a.ID == c.id {
			return a, true
		}
	}
	return cloudsim.Appliance{}, false
}

// holds reports whether the appliance announced a live session with key.
func (c cloudAPI) holds(key callkey.Key) bool {
	a, ok := c.appliance()
	if !ok {
		return false
	}
	for _, s := range a.Sessions {
		if s.Keys.Has(key) {
			return true
		}
	}
	return false
}

// inject posts ev to the API, as an operator (or the Genesys adapter)
// would, and returns the delivery.
func (c cloudAPI) inject(ctx context.Context, ev cti.Event) (cloudsim.Delivery, error) {
	b, _ := json.Marshal(ev)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/v1/cti", bytes.NewReader(b))
	if err != nil {
		return cloudsim.Delivery{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return cloudsim.Delivery{}, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return cloudsim.Delivery{}, fmt.Errorf("POST /v1/cti: %s: %s", res.Status, body)
	}
	var d cloudsim.Delivery
	return d, json.Unmarshal(body, &d)
}

// callKey is the canonical key the appliance announces for a call.
func callKey(k callgen.Keys) callkey.Key {
	if k.UCID != "" {
		return mustKey(callkey.UCID(k.UCID))
	}
	return mustKey(callkey.Conversation(k.ConversationID))
}

// injectOnAnswer is an OnAnswered hook: once the appliance has announced
// the call's keys to the cloud, the CTI start is injected at the cloud's
// API, which must route it by those keys to this appliance and get a
// "matched" ack. It records when each call's start was injected.
func (c cloudAPI) injectOnAnswer(injected *sync.Map) func(context.Context, *callgen.Call) error {
	return func(ctx context.Context, call *callgen.Call) error {
		key := callKey(call.Keys())
		for !c.holds(key) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("the cloud never learnt of %v: %w", key, ctx.Err())
			case <-time.After(10 * time.Millisecond): // announcements cross the tunnel
			}
		}
		at := time.Now()
		d, err := c.inject(ctx, call.CTIEvent())
		if err != nil {
			return err
		}
		if d.Route != cloudsim.RouteKeys || len(d.Results) != 1 || d.Results[0].ApplianceID != c.id ||
			d.Results[0].Outcome != "matched" {
			return fmt.Errorf("delivery of the start: %+v", d)
		}
		injected.Store(call.CallID(), at)
		return nil
	}
}

// readyz returns the status and body of GET /readyz.
func (e *edge) readyz() (int, string) {
	e.t.Helper()
	res, err := http.Get(e.admin + "/readyz")
	if err != nil {
		e.t.Fatalf("GET /readyz: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// sipOptions sends an out-of-dialog OPTIONS over UDP, as an SBC's
// session-recording-group does, and returns the status code.
func sipOptions(t *testing.T, addr string) int {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tag := fmt.Sprintf("%08x", rand.Uint32())
	req := fmt.Sprintf("OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:sbc@127.0.0.1>;tag=%s\r\nTo: <sip:srs@%s>\r\n"+
		"Call-ID: %s@e2e\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", addr, c.LocalAddr(), tag, tag, addr, tag)
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("OPTIONS: no answer: %v", err)
	}
	var code int
	if _, err := fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code); err != nil {
		t.Fatalf("OPTIONS: %q", buf[:n])
	}
	return code
}

// dropConn is the simulator's UDP socket with a switch that cuts the
// tunnel's path both ways: while drop is set, datagrams read are discarded
// and datagrams written vanish.
type dropConn struct {
	net.PacketConn
	drop    atomic.Bool
	dropped atomic.Uint64
}

func (c *dropConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.drop.Load() {
			return n, a, err
		}
		c.dropped.Add(1)
	}
}

func (c *dropConn) WriteTo(b []byte, a net.Addr) (int, error) {
	if c.drop.Load() {
		c.dropped.Add(1)
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, a)
}

// percentile is the p-th percentile (0-100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1)*p/100 + 0.5)
	return sorted[i]
}
