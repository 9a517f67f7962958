package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/tunnel"
	"github.com/cogito/cogito-edge/tunnel/tunneltest"
)

// TestCloudInteropWireguardGo: the cloud end is standard WireGuard —
// Debian's wireguard-go on a TUN device in a network namespace, configured
// with wg set — with the control-channel server and the AudioHook ingest
// behind it, listening on the namespace's tunnel address. The appliance's
// netstack tunnel handshakes with it, its control channel comes up through
// it, a CTI start injected at the cloud reaches the appliance, which
// records the call (sink both) and relays it through the tunnel to the
// ingest: the same audio, sample for sample.
func TestCloudInteropWireguardGo(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	t.Parallel()
	tunneltest.Require(t)
	edgeKey := mustTunnelKey(t)
	peer := tunneltest.NewNetnsPeer(t, tunnel.PublicKey(edgeKey))
	control := netip.AddrPortFrom(peer.Address, 7000)
	ingest := netip.AddrPortFrom(peer.Address, 7001)
	// The API listens on the namespace's end of the veth pair, which the
	// test reaches without the tunnel.
	api := netip.AddrPortFrom(peer.Endpoint.Addr(), 7080)
	secret := base64.StdEncoding.EncodeToString([]byte("interop relay secret, 32 bytes!!"))
	ingestDir := t.TempDir()
	startNetnsCloud(t, peer, fmt.Sprintf("control=%s api=%s ping=1s ingest=%s dir=%s key=interop secret=%s", control, api, ingest, ingestDir, secret))

	dir := t.TempDir()
	keyFile, secretFile := filepath.Join(dir, "wg.key"), filepath.Join(dir, "relay.secret")
	if err := os.WriteFile(keyFile, []byte(edgeKey.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("e2e-interop-%d", rand.Uint32())
	e, _ := startEdgeLogged(t, func(c *config.Config) {
		c.ApplianceID = id
		c.CTI.Source = config.SourceCloud
		c.Cloud.Tunnel = config.Tunnel{
			PrivateKeyFile: keyFile,
			Address:        netip.PrefixFrom(peer.PeerAddress, 32).String(),
			MTU:            1280,
			Peer:           config.Peer{PublicKey: peer.PublicKey.String(), Endpoint: peer.Endpoint.String(), Keepalive: 25 * time.Second},
		}
		c.Cloud.ControlURL = "ws://" + control.String() + "/v1/edge"
		c.Sink = config.SinkBoth
		c.Cloud.Relay.URL, c.Cloud.Relay.APIKey, c.Cloud.Relay.ClientSecretFile = "ws://"+ingest.String()+"/audiohook", "interop", secretFile
	})
	cloud := cloudAPI{url: "http://" + api.String(), id: id}
	waitFor(t, 20*time.Second, "the appliance on the control channel through wireguard-go", func() bool {
		_, ok := cloud.appliance()
		return ok
	})
	waitFor(t, 10*time.Second, "/readyz 200", func() bool { code, _ := e.readyz(); return code == 200 })
	if hs := peer.LatestHandshake(t, tunnel.PublicKey(edgeKey)); hs.IsZero() {
		t.Errorf("wg show latest-handshakes: none for the appliance\n%s", peer.WG(t, "show", peer.Interface))
	}

	const d = 2 * time.Second
	var injected sync.Map
	cfg := callgen.Config{Target: e.sip("tcp"), Duration: d, OnAnswered: cloud.injectOnAnswer(&injected)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := callgen.Run(ctx, cfg)
	if err != nil || rep.Completed != 1 {
		t.Fatalf("call: %v %v", err, rep.Errors)
	}
	m := checkRecording(t, e, rep.Results[0], d)
	waitFor(t, 10*time.Second, "the ended session announced", func() bool {
		a, ok := cloud.appliance()
		return ok && len(a.Sessions) == 0
	})
	// The relay's recording, through wireguard-go to the ingest.
	conv := relay.ConversationID(id, relay.RecordingMeta{SessionID: m.SessionID, Keys: m.Keys})
	var rec ahlab.Recording
	waitFor(t, 20*time.Second, "the ingested recording", func() bool {
		res, err := http.Get(cloud.url + "/audiohook/status")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		var st struct{ Recordings []ahlab.Recording }
		if json.NewDecoder(res.Body).Decode(&st) != nil {
			return false
		}
		for _, r := range st.Recordings {
			if r.ConversationID == conv && r.Complete {
				rec = r
				return true
			}
		}
		return false
	})
	_, wav := e.recordingByKey(callKey(rep.Results[0].Keys), time.Second)
	checkIngested(t, rec, d, wav)
}

// startNetnsCloud runs this test binary as the control-channel server
// inside the peer's namespace (see serveCloud) and waits until it listens.
func startNetnsCloud(t *testing.T, peer *tunneltest.NetnsPeer, spec string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.Context(): it ends before the cleanup that stops the server.
	cmd := peer.Command(context.Background(), exe)
	cmd.Env = append(os.Environ(), cloudServeEnv+"="+spec)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the server's signal to stop
		if err := cmd.Wait(); err != nil {
			t.Errorf("cloud in the namespace: %v: %s", err, stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("cloud in the namespace: %q, %v: %s", line, err, stderr.String())
	}
}
