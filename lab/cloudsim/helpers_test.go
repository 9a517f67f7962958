package cloudsim

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti/control"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// Keys of the calls in the tests.
const (
	ucidA = "004762C169FA480C"
	ucidB = "00000001690A0001"
	ucidC = "00000002690A0002"
)

func ucid(t testing.TB, s string) callkey.Key {
	t.Helper()
	k, err := callkey.UCID(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// nopLeg is a leg that always succeeds.
type nopLeg struct{}

func (nopLeg) Activate(context.Context, gate.Activation) error { return nil }
func (nopLeg) Pause(context.Context) error                     { return nil }
func (nopLeg) Resume(context.Context) error                    { return nil }
func (nopLeg) End(context.Context, string) error               { return nil }

// edge is an appliance as far as the control channel goes: a gate and a
// control client announcing its sessions.
type edge struct {
	id   string
	gate *gate.Gate
	ctl  *control.Client
}

// startEdge runs an edge whose client dials url with dial (nil: plain TCP).
func startEdge(t testing.TB, id, url string, dial func(context.Context, string, string) (net.Conn, error)) *edge {
	t.Helper()
	g, err := gate.New(gate.Config{}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := control.Config{URL: url, ApplianceID: id, Version: "test", PingInterval: 200 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	if dial != nil {
		cfg.DialContext = dial
	}
	c, err := control.New(cfg, g, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.SetObserver(c.Observe)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = c.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		g.Close()
	})
	return &edge{id: id, gate: g, ctl: c}
}

// offer registers a pending session with one UCID.
func (e *edge) offer(t testing.TB, id, u string) *gate.Session {
	t.Helper()
	s, err := e.gate.Offer(id, callkey.NewSet(ucid(t, u)), gate.SessionInfo{}, nopLeg{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startControl serves a Control on loopback; its URL is ws://…/v1/edge.
func startControl(t testing.TB, cfg ControlConfig) (*Control, string) {
	t.Helper()
	c := NewControl(cfg, nil)
	srv := httptest.NewServer(c)
	t.Cleanup(func() {
		c.Close()
		srv.Close()
	})
	return c, "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/edge"
}

// waitAppliances waits until the appliances listed satisfy cond.
func waitAppliances(t testing.TB, c *Control, what string, cond func([]Appliance) bool) []Appliance {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		as := c.Appliances()
		if cond(as) {
			return as
		}
		if time.Now().After(deadline) {
			t.Fatalf("appliances %+v: want %s", as, what)
		}
		time.Sleep(10 * time.Millisecond) // announcements arrive on other goroutines
	}
}

// sessionsOf is "appliance:session,..." per appliance, for comparisons.
func sessionsOf(as []Appliance) string {
	var parts []string
	for _, a := range as {
		var ids []string
		for _, s := range a.Sessions {
			ids = append(ids, s.ID+"="+string(s.State))
		}
		parts = append(parts, a.ID+":"+strings.Join(ids, ","))
	}
	return strings.Join(parts, " ")
}
