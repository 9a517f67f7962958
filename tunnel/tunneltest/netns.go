package tunneltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/tunnel"
)

// ListenPort is the UDP port of the peer inside its namespace.
const ListenPort = 51820

// NetnsPeer is a wireguard-go peer in a network namespace. Its fields are
// what the test's tunnel needs to reach it.
type NetnsPeer struct {
	// Namespace and Interface name the namespace and the WireGuard
	// interface in it. wireguard-go's control socket,
	// /var/run/wireguard/<Interface>.sock, is shared by all namespaces, so
	// each peer gets an interface name unique to its process and call.
	Namespace string
	Interface string
	// PrivateKey and PublicKey are the peer's keys.
	PrivateKey tunnel.Key
	PublicKey  tunnel.Key
	// Endpoint is the peer's UDP address, on the namespace's end of the
	// veth pair.
	Endpoint netip.AddrPort
	// Address is the peer's tunnel address; servers in the namespace
	// listen on it.
	Address netip.Addr
	// PeerAddress is the tunnel address the peer allows for the test's
	// tunnel (its allowed-ips).
	PeerAddress netip.Addr
}

// Tunnel addresses: the namespace is the peer's alone, and the test's
// side lives in a netstack, so the same addresses serve every peer.
var (
	peerTunnelAddr = netip.MustParseAddr("10.98.0.1")
	ourTunnelAddr  = netip.MustParseAddr("10.98.0.2")
)

var seq atomic.Uint32

// Require skips t unless the machine can run a NetnsPeer (root and
// /dev/net/tun), and fails it when a tool is missing.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("interop with wireguard-go needs root (network namespaces, a TUN device); skipped")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("interop with wireguard-go needs /dev/net/tun: %v; skipped", err)
	}
	for _, tool := range []string{"wireguard-go", "wg", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps` (scripts/deps.sh installs wireguard-go, wireguard-tools and iproute2)", tool)
		}
	}
}

// NewNetnsPeer creates a namespace with a veth pair to the root namespace,
// runs wireguard-go in it and configures it with wg set: a peer that
// accepts ourPublic from PeerAddress. Everything is removed in t.Cleanup.
func NewNetnsPeer(t testing.TB, ourPublic tunnel.Key) *NetnsPeer {
	t.Helper()
	Require(t)
	pid, n := os.Getpid()%10000, seq.Add(1)%100
	idx := (os.Getpid()*100 + int(n)) % (1 << 14) // a /30 in 10.201.0.0/16
	p := &NetnsPeer{
		Namespace:   fmt.Sprintf("cogito-wgt-%d-%d", pid, n),
		Interface:   fmt.Sprintf("wgt%dn%d", pid, n),
		Endpoint:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 201, byte(idx >> 6), byte(idx&63)*4 + 2}), ListenPort),
		Address:     peerTunnelAddr,
		PeerAddress: ourTunnelAddr,
	}
	rootSide := netip.AddrFrom4([4]byte{10, 201, byte(idx >> 6), byte(idx&63)*4 + 1})
	vethRoot, vethNS := fmt.Sprintf("cgv%da%d", pid, n), fmt.Sprintf("cgv%db%d", pid, n)

	_ = exec.Command("ip", "netns", "del", p.Namespace).Run() // a leftover of a killed run
	run(t, "ip", "netns", "add", p.Namespace)
	t.Cleanup(func() {
		// Deleting the namespace deletes the veth pair with it.
		if out, err := exec.Command("ip", "netns", "del", p.Namespace).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", p.Namespace, err, out)
		}
	})
	run(t, "ip", "link", "add", vethRoot, "type", "veth", "peer", "name", vethNS, "netns", p.Namespace)
	run(t, "ip", "addr", "add", rootSide.String()+"/30", "dev", vethRoot)
	run(t, "ip", "link", "set", vethRoot, "up")
	run(t, "ip", "-n", p.Namespace, "addr", "add", p.Endpoint.Addr().String()+"/30", "dev", vethNS)
	run(t, "ip", "-n", p.Namespace, "link", "set", vethNS, "up")
	run(t, "ip", "-n", p.Namespace, "link", "set", "lo", "up")

	p.startWireguardGo(t)

	var err error
	if p.PrivateKey, err = tunnel.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	p.PublicKey = tunnel.PublicKey(p.PrivateKey)
	keyFile := filepath.Join(t.TempDir(), "peer.key")
	if err := os.WriteFile(keyFile, []byte(p.PrivateKey.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.WG(t, "set", p.Interface, "private-key", keyFile, "listen-port", fmt.Sprint(ListenPort),
		"peer", ourPublic.String(), "allowed-ips", p.PeerAddress.String()+"/32")
	run(t, "ip", "-n", p.Namespace, "addr", "add", p.Address.String()+"/24", "dev", p.Interface)
	run(t, "ip", "-n", p.Namespace, "link", "set", p.Interface, "mtu", "1280", "up")
	return p
}

// startWireguardGo runs wireguard-go in the foreground in the namespace
// and waits for its control socket.
func (p *NetnsPeer) startWireguardGo(t testing.TB) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command("ip", "netns", "exec", p.Namespace, "wireguard-go", "-f", p.Interface)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=error")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start wireguard-go: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	sock := "/var/run/wireguard/" + p.Interface + ".sock"
	t.Cleanup(func() {
		// SIGTERM lets wireguard-go remove its socket and interface.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = os.Remove(sock)
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			return
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("wireguard-go %s exited: %v: %s", p.Interface, err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("wireguard-go %s: no control socket %s after 10s", p.Interface, sock)
		}
		time.Sleep(10 * time.Millisecond) // a file to appear: nothing to await
	}
}

// Config is a tunnel.Config for the test's side with private key priv
// (whose public key the peer was given).
func (p *NetnsPeer) Config(priv tunnel.Key) tunnel.Config {
	return tunnel.Config{
		PrivateKey:    priv,
		Addresses:     []netip.Prefix{netip.PrefixFrom(p.PeerAddress, 32)},
		PeerPublicKey: p.PublicKey,
		PeerAddress:   p.Address,
		Endpoint:      p.Endpoint.String(),
	}
}

// Command is a command run inside the namespace.
func (p *NetnsPeer) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", p.Namespace, name}, args...)...)
}

// WG runs wg(8) with args inside the namespace and returns its output.
func (p *NetnsPeer) WG(t testing.TB, args ...string) string {
	t.Helper()
	return run(t, "ip", append([]string{"netns", "exec", p.Namespace, "wg"}, args...)...)
}

// LatestHandshake is the peer's view of its last handshake with key
// (wg show latest-handshakes); zero if none.
func (p *NetnsPeer) LatestHandshake(t testing.TB, key tunnel.Key) time.Time {
	t.Helper()
	for line := range strings.Lines(p.WG(t, "show", p.Interface, "latest-handshakes")) {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == key.String() {
			var sec int64
			if _, err := fmt.Sscan(f[1], &sec); err != nil {
				t.Fatalf("wg show latest-handshakes: %q", line)
			}
			if sec == 0 {
				return time.Time{}
			}
			return time.Unix(sec, 0)
		}
	}
	return time.Time{}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
		}
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}
