package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeResolver answers with one address, or an error, as the test sets.
type fakeResolver struct {
	mu    sync.Mutex
	addr  netip.Addr
	err   error
	calls int
}

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if network != "ip" || host != "cloud.example.test" {
		return nil, fmt.Errorf("unexpected lookup %s %s", network, host)
	}
	if r.err != nil {
		return nil, r.err
	}
	return []netip.Addr{r.addr}, nil
}

func (r *fakeResolver) set(a netip.Addr, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addr, r.err = a, err
}

// TestReresolve: the edge names its endpoint; the tunnel follows the name
// once the handshake is stale, with shortened intervals.
func TestReresolve(t *testing.T) {
	t.Parallel()
	t.Run("peer moved", func(t *testing.T) {
		t.Parallel()
		// Two instances of the cloud with the same key and tunnel address,
		// on 127.0.0.1 and 127.0.0.2 with the same port: the name moves
		// from one to the other.
		ck, ek := mustKey(t), mustKey(t)
		cloudCfg := Config{
			PrivateKey:    ck,
			Addresses:     []netip.Prefix{netip.PrefixFrom(cloudAddr, 32)},
			PeerPublicKey: PublicKey(ek),
			PeerAddress:   edgeAddr,
			ListenAddress: loopback,
		}
		a := startTunnel(t, "cloud A", cloudCfg)
		port := a.Health().ListenPort
		cloudCfg.ListenAddress, cloudCfg.ListenPort = netip.MustParseAddr("127.0.0.2"), port
		b := startTunnel(t, "cloud B", cloudCfg)
		for name, s := range map[string]*side{"A": a, "B": b} {
			serveHTTP(t, s.Tunnel, ":8080", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprint(w, name)
			}))
		}

		res := &fakeResolver{addr: loopback}
		edge := startTunnel(t, "edge", Config{
			PrivateKey:     ek,
			Addresses:      []netip.Prefix{netip.PrefixFrom(edgeAddr, 32)},
			PeerPublicKey:  PublicKey(ck),
			PeerAddress:    cloudAddr,
			Endpoint:       fmt.Sprintf("cloud.example.test:%d", port),
			ListenAddress:  loopback,
			Resolver:       res,
			ReresolveAfter: 500 * time.Millisecond,
			CheckInterval:  50 * time.Millisecond,
		})
		c := httpClient(edge.Tunnel)
		url := "http://" + cloudAddr.String() + ":8080/"
		if body, err := get(t.Context(), c, url); body != "A" {
			t.Fatalf("GET = %q, %v; want A", body, err)
		}

		// A dies; the name now points at B.
		a.Close()
		res.set(netip.MustParseAddr("127.0.0.2"), nil)
		moved := time.Now()
		want := fmt.Sprintf("127.0.0.2:%d", port)
		eventually(t, 10*time.Second, "the endpoint moved to B", func() bool {
			return edge.Health().EndpointAddress == want
		})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		var body string
		for body != "B" && ctx.Err() == nil {
			body, _ = get(ctx, c, url)
		}
		if body != "B" {
			t.Fatalf("no answer from B after the move: %+v", edge.Health())
		}
		t.Logf("recovered %v after the move (handshake stale after 500ms)", time.Since(moved).Round(time.Millisecond))
		h := edge.Health()
		if !h.Ready || h.Reresolutions == 0 {
			t.Errorf("health: %+v", h)
		}
		if n := metric(t, edge.reg, "cogito_edge_tunnel_endpoint_changes_total"); n != 1 {
			t.Errorf("endpoint_changes_total = %v, want 1", n)
		}
		if n := metric(t, edge.reg, "cogito_edge_tunnel_reresolutions_total"); n < 1 {
			t.Errorf("reresolutions_total = %v", n)
		}
	})

	t.Run("no DNS at start", func(t *testing.T) {
		t.Parallel()
		res := &fakeResolver{err: errors.New("server misbehaving")}
		p := newPair(t, nil, func(edge *Config, port uint16) {
			edge.Endpoint = fmt.Sprintf("cloud.example.test:%d", port)
			edge.Resolver = res
			edge.CheckInterval = 50 * time.Millisecond
		})
		e := p.edge
		h := e.Health()
		if !h.Up || h.Ready || h.EndpointAddress != "" || !strings.Contains(h.Problem, "no endpoint address") ||
			!strings.Contains(h.ResolveError, "server misbehaving") {
			t.Fatalf("health with DNS down: %+v", h)
		}
		eventually(t, 5*time.Second, "lookups retried", func() bool {
			return metric(t, e.reg, "cogito_edge_tunnel_resolve_errors_total") >= 3
		})
		if n := strings.Count(e.log.String(), "cannot resolve the endpoint"); n != 1 {
			t.Errorf("%d resolve warnings for one error, want 1", n)
		}
		res.set(loopback, nil)
		eventually(t, 5*time.Second, "a handshake once DNS works", func() bool { return e.Health().Ready })
		if h := e.Health(); h.ResolveError != "" || h.Problem != "" || h.EndpointAddress != fmt.Sprintf("127.0.0.1:%d", p.cloud.Health().ListenPort) {
			t.Errorf("health once DNS works: %+v", h)
		}
	})
}
