package cloudsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/lab/genesyssim"
	"github.com/cogito/cogito-edge/tunnel"
)

// startGenesys runs the Genesys simulator with users agents.
func startGenesys(t testing.TB, users int) *genesyssim.Sim {
	t.Helper()
	gs, err := genesyssim.New(genesyssim.Config{ClientID: "cloud", ClientSecret: "s3cret", Users: users})
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gs.Close() })
	return gs
}

// startGenesysSim runs a cloud simulator whose tracker follows gs.
func startGenesysSim(t testing.TB, edgePub tunnel.Key, gs *genesyssim.Sim) *Sim {
	t.Helper()
	sim, err := New(Config{PrivateKey: mustKey(t), PeerPublicKey: edgePub, API: "127.0.0.1:0",
		Control: ControlConfig{PingInterval: 200 * time.Millisecond}, CheckInterval: 100 * time.Millisecond,
		Genesys: GenesysConfig{BaseURL: gs.URL(), ClientID: "cloud", ClientSecret: "s3cret",
			Tune: func(c *genesys.Config) { c.MinBackoff, c.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond }},
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return sim
}

// brief is a forwarded event as the test compares it.
type brief struct {
	typ     cti.Type
	agent   string
	route   Route
	outcome string
}

func (b brief) String() string {
	return fmt.Sprintf("%s/%s->%s:%s", b.typ, b.agent, b.route, b.outcome)
}

// forwardsOf are the forwarded events of one conversation.
func forwardsOf(sim *Sim, conv string) []brief {
	var out []brief
	for _, f := range sim.Forwards() {
		if f.Event.ConversationID != conv {
			continue
		}
		b := brief{typ: f.Event.Type, agent: f.Event.AgentID, route: f.Delivery.Route}
		for _, r := range f.Delivery.Results {
			b.outcome += string(r.Outcome)
		}
		if f.Error != "" {
			b.outcome = "error"
		}
		out = append(out, b)
	}
	return out
}

// waitForwards waits until conv's forwarded events are want.
func waitForwards(t *testing.T, sim *Sim, conv string, want []brief) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := forwardsOf(sim, conv)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s forwarded\n got %v\nwant %v", conv, got, want)
		}
		time.Sleep(10 * time.Millisecond) // the tracker forwards on its own goroutine
	}
}

// TestSimGenesys: the cloud's tracker follows the Genesys simulator's
// agents, and the scripted calls' events reach an appliance through the
// WireGuard tunnel and its control channel, routed by the keys it
// announced: an inbound call by its UCID (in the UUI) is held, resumed
// and transferred to another agent, an outbound call by its conversation
// id; each event drives the appliance's session, none lost or doubled.
func TestSimGenesys(t *testing.T) {
	t.Parallel()
	gs := startGenesys(t, 5)
	priv := mustKey(t)
	sim := startGenesysSim(t, tunnel.PublicKey(priv), gs)
	e := startEdge(t, "edge-genesys", sim.ControlURL(), edgeTunnel(t, sim, priv).DialContext)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := sim.WaitGenesys(ctx); err != nil {
		t.Fatal(err)
	}
	users := gs.Users()
	a, b, c := users[0].ID, users[1].ID, users[2].ID

	in := e.offer(t, "s-in", ucidA)
	const outConv = "0f0e0d0c-0b0a-4908-8706-050403020100"
	out, err := e.gate.Offer("s-out", callkey.NewSet(mustConv(t, outConv)), gate.SessionInfo{}, nopLeg{})
	if err != nil {
		t.Fatal(err)
	}
	waitAppliances(t, sim.Control(), "both sessions announced", func(as []Appliance) bool {
		return sessionsOf(as) == "edge-genesys:s-in=pending,s-out=pending" || sessionsOf(as) == "edge-genesys:s-out=pending,s-in=pending"
	})

	call, err := gs.Inbound(a, genesyssim.InboundOptions{UCID: ucidA})
	if err != nil {
		t.Fatal(err)
	}
	conv := call.ConversationID
	const matched = "matched"
	want := []brief{{cti.Start, a, RouteKeys, matched}}
	waitForwards(t, sim, conv, want)
	steps := []struct {
		op    func() error
		state gate.State
		add   []brief
	}{
		{func() error { return gs.Hold(conv) }, gate.StateHeld, []brief{{cti.Hold, a, RouteKeys, matched}}},
		{func() error { return gs.Resume(conv) }, gate.StateActive, []brief{{cti.Resume, a, RouteKeys, matched}}},
		{func() error { return gs.Transfer(conv, b) }, gate.StateActive,
			[]brief{{cti.End, a, RouteKeys, matched}, {cti.Start, b, RouteKeys, matched}}},
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatal(err)
		}
		want = append(want, st.add...)
		waitForwards(t, sim, conv, want)
		if s := in.Snapshot(); s.State != st.state {
			t.Fatalf("after %v: session %s", st.add, s.State)
		}
	}
	s := in.Snapshot()
	if s.AgentID != b || s.Direction != cti.Inbound || s.ConversationID != conv || !s.Keys.Has(ucid(t, ucidA)) {
		t.Errorf("after the transfer: agent %s (want %s), direction %s, conversation %s, keys %v", s.AgentID, b, s.Direction, s.ConversationID, s.Keys)
	}
	if i := slices.IndexFunc(s.Transitions, func(tr gate.Transition) bool { return tr.Reason == "cti-end" }); i < 0 ||
		i+1 >= len(s.Transitions) || s.Transitions[i+1].Reason != "cti-start-in-grace" {
		t.Errorf("transitions %+v: want the transfer as cti-end then cti-start-in-grace", s.Transitions)
	}

	ob, err := gs.Outbound(c, outConv)
	if err != nil {
		t.Fatal(err)
	}
	waitForwards(t, sim, ob.ConversationID, []brief{{cti.Start, c, RouteKeys, matched}})
	if s := out.Snapshot(); s.State != gate.StateActive || s.AgentID != c || s.Direction != cti.Outbound {
		t.Errorf("outbound session %s, agent %s, direction %s", s.State, s.AgentID, s.Direction)
	}
	for _, id := range []string{conv, ob.ConversationID} {
		if err := gs.Disconnect(id); err != nil {
			t.Fatal(err)
		}
	}
	waitForwards(t, sim, conv, append(want, brief{cti.End, b, RouteKeys, matched}))
	waitForwards(t, sim, ob.ConversationID, []brief{{cti.Start, c, RouteKeys, matched}, {cti.End, c, RouteKeys, matched}})

	// GET /v1/genesys: the tracker's state and what it forwarded.
	code, text := get(t, sim.APIURL()+"/v1/genesys")
	var st GenesysStatus
	if err := json.Unmarshal([]byte(text), &st); code != http.StatusOK || err != nil || st.Ready != "ok" ||
		st.Status.Users != 5 || len(st.Status.Channels) != 1 || len(st.Forwards) != 8 || st.API != gs.URL() {
		t.Errorf("GET /v1/genesys: %d %s", code, text)
	}
}

// TestSimGenesysNoAppliance: an event with no appliance connected is
// counted as reaching none, and the tracker goes on.
func TestSimGenesysNoAppliance(t *testing.T) {
	t.Parallel()
	gs := startGenesys(t, 2)
	sim := startGenesysSim(t, tunnel.PublicKey(mustKey(t)), gs)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := sim.WaitGenesys(ctx); err != nil {
		t.Fatal(err)
	}
	call, err := gs.Inbound(gs.Users()[0].ID, genesyssim.InboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitForwards(t, sim, call.ConversationID, []brief{{typ: cti.Start, agent: gs.Users()[0].ID, outcome: "error"}})
	if f := sim.Forwards()[0]; !strings.Contains(f.Error, ErrNoAppliance.Error()) || f.Event.UCID != call.UCID {
		t.Errorf("forward %+v", f)
	}
}

func TestSimGenesysOff(t *testing.T) {
	t.Parallel()
	k, pub := mustKey(t), tunnel.PublicKey(mustKey(t))
	for name, gc := range map[string]GenesysConfig{
		"no client":  {BaseURL: "http://127.0.0.1:1"},
		"bad URL":    {BaseURL: "ftp://x", ClientID: "a", ClientSecret: "b"},
		"bad region": {Region: "moon-1", ClientID: "a", ClientSecret: "b"},
	} {
		if _, err := New(Config{PrivateKey: k, PeerPublicKey: pub, Genesys: gc}, nil, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: New: %v, want ErrConfig", name, err)
		}
	}
	sim := startSim(t, pub)
	if sim.Genesys() != nil || sim.Forwards() != nil {
		t.Error("a tracker without Config.Genesys")
	}
	if _, ok := sim.GenesysStatus(); ok {
		t.Error("a status without Config.Genesys")
	}
	if err := sim.WaitGenesys(t.Context()); !errors.Is(err, ErrNoGenesys) {
		t.Errorf("WaitGenesys: %v", err)
	}
	if code, _ := get(t, sim.APIURL()+"/v1/genesys"); code != http.StatusNotFound {
		t.Errorf("GET /v1/genesys: %d", code)
	}
}

func mustConv(t testing.TB, id string) callkey.Key {
	t.Helper()
	k, err := callkey.Conversation(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
