package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	loopback  = netip.MustParseAddr("127.0.0.1")
	cloudAddr = netip.MustParseAddr("10.99.0.1") // the peer's tunnel address
	edgeAddr  = netip.MustParseAddr("10.99.0.2") // ours
)

// logBuf collects a tunnel's log. Tests read it; on failure it goes to the
// test log. Goroutines may write after the test ended: the buffer does
// not mind, where t.Log would panic.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newTestLog(t testing.TB, name string) (*slog.Logger, *logBuf) {
	lb := &logBuf{}
	t.Cleanup(func() {
		if t.Failed() {
			s := lb.String()
			if len(s) > 20000 {
				s = "…" + s[len(s)-20000:]
			}
			t.Logf("log of %s:\n%s", name, s)
		}
	})
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})).With("side", name), lb
}

func mustKey(t testing.TB) Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// side is one tunnel of a test with its log and metrics.
type side struct {
	*Tunnel
	log *logBuf
	reg *prometheus.Registry
}

// startTunnel makes and starts a tunnel, closed in t.Cleanup.
func startTunnel(t testing.TB, name string, cfg Config) *side {
	t.Helper()
	log, lb := newTestLog(t, name)
	reg := prometheus.NewRegistry()
	tun, err := New(cfg, log, NewMetrics(reg))
	if err != nil {
		t.Fatalf("%s: New: %v", name, err)
	}
	t.Cleanup(func() { tun.Close() })
	if err := tun.Start(t.Context()); err != nil {
		t.Fatalf("%s: Start: %v", name, err)
	}
	return &side{Tunnel: tun, log: lb, reg: reg}
}

// pair is two netstack tunnels on loopback, each with its own UDP socket
// on 127.0.0.1: the cloud (which waits for the edge to connect) and the
// edge (which has the cloud as its endpoint).
type pair struct {
	cloud, edge *side
}

// newPair starts a pair. editCloud may change the cloud's config;
// editEdge the edge's, knowing the cloud's UDP port. The edge's endpoint is
// the cloud's socket unless editEdge sets one.
func newPair(t testing.TB, editCloud func(*Config), editEdge func(*Config, uint16)) *pair {
	t.Helper()
	ck, ek := mustKey(t), mustKey(t)
	cc := Config{
		PrivateKey:    ck,
		Addresses:     []netip.Prefix{netip.PrefixFrom(cloudAddr, 32)},
		PeerPublicKey: PublicKey(ek),
		PeerAddress:   edgeAddr,
		ListenAddress: loopback,
	}
	ec := Config{
		PrivateKey:    ek,
		Addresses:     []netip.Prefix{netip.PrefixFrom(edgeAddr, 32)},
		PeerPublicKey: PublicKey(ck),
		PeerAddress:   cloudAddr,
		ListenAddress: loopback,
	}
	if editCloud != nil {
		editCloud(&cc)
	}
	p := &pair{cloud: startTunnel(t, "cloud", cc)}
	port := p.cloud.Health().ListenPort
	if editEdge != nil {
		editEdge(&ec, port)
	}
	if ec.Endpoint == "" {
		ec.Endpoint = netip.AddrPortFrom(loopback, port).String()
	}
	p.edge = startTunnel(t, "edge", ec)
	return p
}

// httpClient dials through tun; no keep-alive, so every request is a new
// connection (the peer may have moved).
func httpClient(tun *Tunnel) *http.Client {
	return &http.Client{
		Transport: &http.Transport{DialContext: tun.DialContext, DisableKeepAlives: true},
		Timeout:   10 * time.Second,
	}
}

// serveHTTP serves h on a listener inside tun until the test ends.
func serveHTTP(t testing.TB, tun *Tunnel, addr string, h http.Handler) net.Listener {
	t.Helper()
	l, err := tun.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("Listen %s: %v", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return l
}

// get returns the body of a GET, or an error.
func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	return string(b), nil
}

// eventually polls cond until it holds or d passes. The tunnel's state
// changes inside wireguard-go, which has no event to wait on.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metric is the value of a metric without labels in reg; -1 if absent.
func metric(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		if g := m.GetGauge(); g != nil {
			return g.GetValue()
		}
		return m.GetCounter().GetValue()
	}
	return -1
}

// checkNoLeaks fails t if, once it is cleaned up (register it first, so it
// runs last), the goroutine count does not settle back to where it was.
func checkNoLeaks(t testing.TB) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				t.Errorf("goroutine leak: %d goroutines, %d before\n%s", runtime.NumGoroutine(), base, goroutineStacks())
				return
			}
			time.Sleep(10 * time.Millisecond) // goroutines ending: nothing to await
		}
	})
}

func goroutineStacks() string {
	buf := make([]byte, 1<<20)
	s := string(buf[:runtime.Stack(buf, true)])
	// Keep the stacks that say which code leaked.
	var keep []string
	for g := range strings.SplitSeq(s, "\n\n") {
		if strings.Contains(g, "wireguard") || strings.Contains(g, "gvisor") || strings.Contains(g, "tunnel") {
			keep = append(keep, g)
		}
	}
	return strings.Join(keep, "\n\n")
}
