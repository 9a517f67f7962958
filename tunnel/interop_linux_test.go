package tunnel_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/tunnel"
	"github.com/cogito/cogito-edge/tunnel/tunneltest"
)

// TestInteropWireguardGo: our netstack tunnel against Debian's
// wireguard-go on a real TUN device in a network namespace, configured with
// wg set. An HTTP server runs in the namespace (this test binary,
// re-executed) and our side calls it through the tunnel.
func TestInteropWireguardGo(t *testing.T) {
	t.Parallel()
	tunneltest.Require(t)
	priv, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	peer := tunneltest.NewNetnsPeer(t, tunnel.PublicKey(priv))
	addr := peer.Address.String() + ":8080"
	startServer(t, peer, addr)

	cfg := peer.Config(priv)
	cfg.CheckInterval = 100 * time.Millisecond
	tun, err := tunnel.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })
	if err := tun.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{DialContext: tun.DialContext}, Timeout: 15 * time.Second}
	defer c.CloseIdleConnections()

	resp, err := c.Get("http://" + addr + "/hello")
	if err != nil {
		t.Fatalf("GET /hello through the tunnel: %v\nwg show: %s", err, peer.WG(t, "show", peer.Interface))
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "hello from the namespace, " + peer.PeerAddress.String() + ":"; !strings.HasPrefix(string(b), want) {
		t.Fatalf("GET /hello = %q, want %q…", b, want)
	}

	big := make([]byte, 512<<10)
	_, _ = rand.Read(big)
	resp, err = c.Post("http://"+addr+"/echo", "application/octet-stream", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(b, big) {
		t.Fatalf("POST /echo: %d of %d bytes back, %v", len(b), len(big), err)
	}

	h := tun.Health()
	if !h.Ready || h.EndpointAddress != peer.Endpoint.String() || h.RxBytes < uint64(len(big)) || h.TxBytes < uint64(len(big)) {
		t.Errorf("health: %+v", h)
	}
	// The standard side saw the handshake too.
	if hs := peer.LatestHandshake(t, tun.PublicKey()); hs.IsZero() {
		t.Errorf("wg show latest-handshakes: none for our key\n%s", peer.WG(t, "show", peer.Interface))
	}
}

// startServer runs the test binary as an HTTP server on addr inside the
// peer's namespace, and waits until it listens.
func startServer(t *testing.T, peer *tunneltest.NetnsPeer, addr string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.Context(): it ends before the cleanup that stops the server.
	cmd := peer.Command(context.Background(), exe)
	cmd.Env = append(os.Environ(), "TUNNEL_TEST_SERVE="+addr)
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
			t.Errorf("server in the namespace: %v: %s", err, stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("server in the namespace: %q, %v: %s", line, err, stderr.String())
	}
}
