package cloudsim

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/control"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// TestRouting: an event goes to the appliance that announced a session
// with one of its keys; one nobody announced goes to all (DESIGN §12).
func TestRouting(t *testing.T) {
	t.Parallel()
	c, url := startControl(t, ControlConfig{PingInterval: 200 * time.Millisecond})
	a, b := startEdge(t, "edge-a", url, nil), startEdge(t, "edge-b", url, nil)
	sa := a.offer(t, "a1", ucidA)
	b.offer(t, "b1", ucidB)
	waitAppliances(t, c, "both with their session", func(as []Appliance) bool {
		return sessionsOf(as) == "edge-a:a1=pending edge-b:b1=pending"
	})

	tests := []struct {
		name    string
		ucid    string
		typ     cti.Type
		route   Route
		results string // appliance=outcome,...
		after   func()
		state   string
	}{
		{"start for a's call goes to a", ucidA, cti.Start, RouteKeys, "edge-a=matched", nil,
			"edge-a:a1=active edge-b:b1=pending"},
		{"start for b's call goes to b", ucidB, cti.Start, RouteKeys, "edge-b=matched", nil,
			"edge-a:a1=active edge-b:b1=active"},
		{"a call nobody holds goes to all", ucidC, cti.Start, RouteBroadcast, "edge-a=cached,edge-b=cached", nil,
			"edge-a:a1=active edge-b:b1=active"},
		{"a duplicate start is acked as ignored", ucidA, cti.Start, RouteKeys, "edge-a=ignored",
			func() { sa.Close("bye") }, "edge-a: edge-b:b1=active"},
		{"once a's call ended, its key routes nowhere", ucidA, cti.End, RouteBroadcast, "edge-a=cached,edge-b=cached", nil,
			"edge-a: edge-b:b1=active"},
	}
	for _, tt := range tests {
		d, err := c.Deliver(t.Context(), cti.Event{Type: tt.typ, UCID: tt.ucid, AgentID: "agent", At: time.Now()})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, r := range d.Results {
			got = append(got, r.ApplianceID+"="+string(r.Outcome))
		}
		if d.Route != tt.route || slices.Compare(got, splitComma(tt.results)) != 0 || d.ID == "" {
			t.Errorf("%s: route %s results %v; want %s %s", tt.name, d.Route, got, tt.route, tt.results)
		}
		if tt.after != nil {
			tt.after()
		}
		waitAppliances(t, c, tt.state, func(as []Appliance) bool { return sessionsOf(as) == tt.state })
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestDeliverRefuses(t *testing.T) {
	t.Parallel()
	c, _ := startControl(t, ControlConfig{})
	if _, err := c.Deliver(t.Context(), cti.Event{Type: cti.Start, UCID: ucidA}); !errors.Is(err, ErrNoAppliance) {
		t.Errorf("no appliance: %v", err)
	}
	if _, err := c.Deliver(t.Context(), cti.Event{Type: cti.Start}); !errors.Is(err, cti.ErrInvalid) {
		t.Errorf("invalid event: %v", err)
	}
}

// rawEdge is a hand-driven appliance: a WebSocket the test writes to.
type rawEdge struct {
	ws *websocket.Conn
}

func dialRaw(t testing.TB, url string) *rawEdge {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &rawEdge{ws: ws}
}

func (r *rawEdge) send(t testing.TB, m control.Message) {
	t.Helper()
	b, err := control.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatal(err)
	}
}

func (r *rawEdge) hello(t testing.TB, id string, sessions ...control.Session) {
	t.Helper()
	if sessions == nil {
		sessions = []control.Session{}
	}
	r.send(t, control.Message{Type: control.TypeHello, Hello: &control.Hello{ApplianceID: id, Sessions: sessions}})
}

// closedWithin reads (discarding) until the server closes the connection.
func (r *rawEdge) closedWithin(t testing.TB, d time.Duration) error {
	t.Helper()
	_ = r.ws.SetReadDeadline(time.Now().Add(d))
	for {
		if _, _, err := r.ws.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("still open after %v", d)
			}
			return err
		}
	}
}

// TestConnectionRules: the server's side of the protocol's liveness and
// identity rules.
func TestConnectionRules(t *testing.T) {
	t.Parallel()
	t.Run("no hello first", func(t *testing.T) {
		t.Parallel()
		_, url := startControl(t, ControlConfig{})
		r := dialRaw(t, url)
		r.send(t, control.Message{Type: control.TypePing, ID: "p1"})
		err := r.closedWithin(t, 5*time.Second)
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
			t.Errorf("closed with %v, want policy violation", err)
		}
	})
	t.Run("silent appliance dropped", func(t *testing.T) {
		t.Parallel()
		c, url := startControl(t, ControlConfig{PingInterval: 100 * time.Millisecond})
		r := dialRaw(t, url)
		r.hello(t, "quiet")
		waitAppliances(t, c, "quiet connected", func(as []Appliance) bool { return len(as) == 1 })
		r.closedWithin(t, 2*time.Second) // never answers the pings
		waitAppliances(t, c, "none", func(as []Appliance) bool { return len(as) == 0 })
	})
	t.Run("a new connection replaces the old", func(t *testing.T) {
		t.Parallel()
		c, url := startControl(t, ControlConfig{})
		old := dialRaw(t, url)
		old.hello(t, "edge-x", control.Session{ID: "s1", State: gate.StatePending})
		waitAppliances(t, c, "s1", func(as []Appliance) bool { return sessionsOf(as) == "edge-x:s1=pending" })
		fresh := dialRaw(t, url)
		fresh.hello(t, "edge-x", control.Session{ID: "s2", State: gate.StateActive})
		old.closedWithin(t, 5*time.Second)
		waitAppliances(t, c, "s2 only", func(as []Appliance) bool { return sessionsOf(as) == "edge-x:s2=active" })
	})
	t.Run("no ack is a timeout", func(t *testing.T) {
		t.Parallel()
		c, url := startControl(t, ControlConfig{AckTimeout: 200 * time.Millisecond})
		r := dialRaw(t, url)
		r.hello(t, "mute")
		waitAppliances(t, c, "mute connected", func(as []Appliance) bool { return len(as) == 1 })
		d, err := c.Deliver(context.Background(), cti.Event{Type: cti.Start, UCID: ucidA})
		if err != nil || len(d.Results) != 1 || d.Results[0].Outcome != OutcomeTimeout {
			t.Fatalf("delivery %+v, %v", d, err)
		}
	})
	t.Run("connection lost before the ack", func(t *testing.T) {
		t.Parallel()
		c, url := startControl(t, ControlConfig{AckTimeout: 10 * time.Second})
		r := dialRaw(t, url)
		r.hello(t, "leaving")
		waitAppliances(t, c, "connected", func(as []Appliance) bool { return len(as) == 1 })
		go func() {
			_, _, _ = r.ws.ReadMessage() // the event: leave without an ack
			r.ws.Close()
		}()
		start := time.Now()
		d, err := c.Deliver(context.Background(), cti.Event{Type: cti.Start, UCID: ucidA})
		if err != nil || len(d.Results) != 1 || d.Results[0].Outcome != OutcomeLost || time.Since(start) > 5*time.Second {
			t.Fatalf("delivery %+v, %v after %v", d, err, time.Since(start))
		}
	})
}
