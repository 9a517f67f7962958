package cloudsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/tunnel"
)

func mustKey(t testing.TB) tunnel.Key {
	t.Helper()
	k, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startSim runs a simulator for the edge key edgePub, with its API.
func startSim(t testing.TB, edgePub tunnel.Key) *Sim {
	t.Helper()
	sim, err := New(Config{PrivateKey: mustKey(t), PeerPublicKey: edgePub, API: "127.0.0.1:0",
		Control: ControlConfig{PingInterval: 200 * time.Millisecond}, CheckInterval: 100 * time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return sim
}

// edgeTunnel is the appliance's side of the tunnel to sim, as the
// snippet configures it.
func edgeTunnel(t testing.TB, sim *Sim, priv tunnel.Key) *tunnel.Tunnel {
	t.Helper()
	tun, err := tunnel.New(tunnel.Config{
		PrivateKey:    priv,
		Addresses:     []netip.Prefix{sim.TunnelAddress()},
		PeerPublicKey: sim.PublicKey(),
		Endpoint:      sim.Endpoint().String(),
		AllowedIPs:    []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
		ListenAddress: netip.MustParseAddr("127.0.0.1"),
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })
	if err := tun.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tun
}

// TestSimThroughTunnel: an appliance's control client reaches the
// simulator through a WireGuard tunnel, events injected over the HTTP API
// reach its gate, and Serve puts another service inside the tunnel.
func TestSimThroughTunnel(t *testing.T) {
	t.Parallel()
	priv := mustKey(t)
	sim := startSim(t, tunnel.PublicKey(priv))
	for _, want := range []string{"address: 10.99.0.2/32", "public_key: " + sim.PublicKey().String(),
		"endpoint: " + sim.Endpoint().String(), "control_url: ws://10.99.0.1:7000/v1/edge", tunnel.PublicKey(priv).String()} {
		if !strings.Contains(sim.Snippet(), want) {
			t.Errorf("snippet lacks %q:\n%s", want, sim.Snippet())
		}
	}
	tun := edgeTunnel(t, sim, priv)
	e := startEdge(t, "edge-tun", sim.ControlURL(), tun.DialContext)
	e.offer(t, "s1", ucidA)
	waitAppliances(t, sim.Control(), "edge-tun with s1", func(as []Appliance) bool { return sessionsOf(as) == "edge-tun:s1=pending" })

	api := sim.APIURL()
	body := fmt.Sprintf(`{"type":"start","ucid":%q,"agent_id":"a1","direction":"inbound","at":"2026-05-01T10:00:00Z"}`, ucidA)
	code, text := post(t, api+"/v1/cti", body)
	var d Delivery
	if err := json.Unmarshal([]byte(text), &d); code != http.StatusOK || err != nil || d.Route != RouteKeys ||
		len(d.Results) != 1 || d.Results[0].ApplianceID != "edge-tun" || d.Results[0].Outcome != "matched" {
		t.Fatalf("POST /v1/cti: %d %s", code, text)
	}
	waitAppliances(t, sim.Control(), "s1 active", func(as []Appliance) bool { return sessionsOf(as) == "edge-tun:s1=active" })

	var as []Appliance
	if code, text := get(t, api+"/v1/appliances"); code != http.StatusOK || json.Unmarshal([]byte(text), &as) != nil ||
		len(as) != 1 || as[0].Version != "test" || !as[0].Sessions[0].Keys.Has(ucid(t, ucidA)) {
		t.Errorf("GET /v1/appliances: %d %s", code, text)
	}
	var h tunnel.Health
	if code, text := get(t, api+"/v1/tunnel"); code != http.StatusOK || json.Unmarshal([]byte(text), &h) != nil || !h.Ready {
		t.Errorf("GET /v1/tunnel: %d %s", code, text)
	}

	// The seam for the AudioHook ingest: another server in the tunnel.
	ap, err := sim.Serve(7001, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ingest here, %s", r.RemoteAddr)
	}))
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: tun.DialContext}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	res, err := hc.Get("http://" + ap.String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.HasPrefix(string(b), "ingest here, 10.99.0.2:") {
		t.Errorf("served through the tunnel: %q", b)
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	sim := startSim(t, tunnel.PublicKey(mustKey(t)))
	tests := map[string]struct {
		body string
		code int
		msg  string
	}{
		"no appliance":  {fmt.Sprintf(`{"type":"start","ucid":%q}`, ucidA), http.StatusServiceUnavailable, "no appliance"},
		"invalid event": {`{"type":"start"}`, http.StatusBadRequest, "identifies a call"},
		"unknown field": {`{"type":"start","ucid":"004762C169FA480C","x":1}`, http.StatusBadRequest, "unknown field"},
		"not JSON":      {`start`, http.StatusBadRequest, "invalid"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, text := post(t, sim.APIURL()+"/v1/cti", tt.body)
			if code != tt.code || !strings.Contains(text, tt.msg) {
				t.Errorf("POST /v1/cti: %d %s", code, text)
			}
		})
	}
	if code, text := get(t, sim.APIURL()+"/v1/appliances"); code != http.StatusOK || strings.TrimSpace(text) != "[]" {
		t.Errorf("GET /v1/appliances: %d %s", code, text)
	}
}

func TestConfigErrors(t *testing.T) {
	k := mustKey(t)
	tests := map[string]Config{
		"no keys":             {},
		"no peer key":         {PrivateKey: k},
		"API not loopback":    {PrivateKey: k, PeerPublicKey: k, API: "0.0.0.0:7080"},
		"API not an addr":     {PrivateKey: k, PeerPublicKey: k, API: "localhost:7080"},
		"control path":        {PrivateKey: k, PeerPublicKey: k, ControlPath: "v1"},
		"peer key is our own": {PrivateKey: k, PeerPublicKey: tunnel.PublicKey(k)},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg, nil, nil); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
}

func post(t testing.TB, url, body string) (int, string) {
	t.Helper()
	res, err := http.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
