package cloudsim

import (
	"context"
	"net/http"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti/control"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/tunnel"
)

// TestSimCloseLeaksNothing: a simulator with its ingest and a connected
// appliance, closed, leaves no goroutine behind. Not parallel: it counts the
// process's goroutines.
func TestSimCloseLeaksNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	for range 5 {
		priv := mustKey(t)
		sim, err := New(Config{PrivateKey: mustKey(t), PeerPublicKey: tunnel.PublicKey(priv), API: "127.0.0.1:0",
			Ingest: IngestConfig{Dir: t.TempDir()}}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := sim.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		tun, err := tunnel.New(tunnel.Config{PrivateKey: priv, Addresses: []netip.Prefix{sim.TunnelAddress()},
			PeerPublicKey: sim.PublicKey(), Endpoint: sim.Endpoint().String(),
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.99.0.0/24")}}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tun.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		g, _ := gate.New(gate.Config{}, nil, nil, nil)
		c, err := control.New(control.Config{URL: sim.ControlURL(), ApplianceID: "leak", DialContext: tun.DialContext}, g, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { _ = c.Run(ctx) })
		waitAppliances(t, sim.Control(), "connected", func(as []Appliance) bool { return len(as) == 1 })
		sim.Close() // first, with the appliance still connected
		cancel()
		wg.Wait()
		tun.Close()
		g.Close()
	}
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond) // goroutines ending: nothing to await
	}
}
