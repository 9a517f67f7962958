package control

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// nopLeg is a leg that always succeeds.
type nopLeg struct{}

func (nopLeg) Activate(context.Context, gate.Activation) error { return nil }
func (nopLeg) Pause(context.Context) error                     { return nil }
func (nopLeg) Resume(context.Context) error                    { return nil }
func (nopLeg) End(context.Context, string) error               { return nil }

func ucidKey(t testing.TB, s string) callkey.Key {
	t.Helper()
	k, err := callkey.UCID(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestHelloAndAnnouncements: with a real gate, the hello lists the
// sessions there are, changes follow as session messages, a CTI event is
// delivered and acked, and a new connection says hello again with the
// sessions as they are then.
func TestHelloAndAnnouncements(t *testing.T) {
	t.Parallel()
	g, err := gate.New(gate.Config{}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	s1, err := g.Offer("s1", keys(t), gate.SessionInfo{}, nopLeg{})
	if err != nil {
		t.Fatal(err)
	}
	cloud := newFakeCloud(t)
	c := startClient(t, cloud.url(), g, nil)
	g.SetObserver(c.Observe)

	cc := cloud.accept(t)
	h := cc.expect(t, TypeHello).Hello
	if h.ApplianceID != "edge-test" || h.Version != "test" || len(h.Sessions) != 1 ||
		h.Sessions[0].ID != "s1" || h.Sessions[0].State != gate.StatePending || !h.Sessions[0].Keys.Has(ucidKey(t, testUCID)) {
		t.Fatalf("hello: %+v", h)
	}
	eventually(t, 5*time.Second, "connected", c.Connected)
	if d := c.DownFor(); d != 0 {
		t.Errorf("DownFor = %v while connected", d)
	}

	other := callkey.NewSet(ucidKey(t, "00000001690A0001"))
	s2, err := g.Offer("s2", other, gate.SessionInfo{}, nopLeg{})
	if err != nil {
		t.Fatal(err)
	}
	if s := cc.expect(t, TypeSession).Session; s.ID != "s2" || s.State != gate.StatePending || !s.Keys.Has(ucidKey(t, "00000001690A0001")) {
		t.Fatalf("announcement of s2: %+v", s)
	}

	cc.send(Message{Type: TypeCTI, ID: "e1", CTI: &cti.Event{Type: cti.Start, UCID: testUCID, AgentID: "a1", At: time.Now()}})
	if a := cc.expect(t, TypeAck); a.ID != "e1" || a.Ack.Outcome != OutcomeMatched || !slices.Equal(a.Ack.Applied, []string{"s1"}) {
		t.Fatalf("ack: %+v %+v", a, a.Ack)
	}
	if s := cc.expect(t, TypeSession).Session; s.ID != "s1" || s.State != gate.StateActive {
		t.Fatalf("announcement of s1: %+v", s)
	}
	s1.Close("bye")
	if s := cc.expect(t, TypeSession).Session; s.ID != "s1" || s.State != gate.StateEnded || !s.Keys.Has(ucidKey(t, testUCID)) {
		t.Fatalf("end of s1: %+v", s)
	}

	// The cloud drops the connection: the client comes back with a hello
	// that lists s2 only.
	cc.ws.Close()
	cc2 := cloud.accept(t)
	h = cc2.expect(t, TypeHello).Hello
	if len(h.Sessions) != 1 || h.Sessions[0].ID != "s2" {
		t.Fatalf("hello after reconnect: %+v", h.Sessions)
	}
	s2.Close("bye")
	if s := cc2.expect(t, TypeSession).Session; s.ID != "s2" || s.State != gate.StateEnded {
		t.Fatalf("end of s2: %+v", s)
	}
	if n := c.metric(t, "cogito_edge_control_reconnects_total"); n != 1 {
		t.Errorf("reconnects_total = %v, want 1", n)
	}
	if n := c.metric(t, "cogito_edge_control_messages_total", "direction", "out", "type", "hello"); n != 2 {
		t.Errorf("hellos sent = %v, want 2", n)
	}
	if n := c.metric(t, "cogito_edge_control_cti_events_total", "outcome", "matched"); n != 1 {
		t.Errorf("cti_events_total{matched} = %v", n)
	}
}

// TestCTIAck: each delivery outcome goes back to the cloud as an ack.
func TestCTIAck(t *testing.T) {
	t.Parallel()
	start := cti.Event{Type: cti.Start, ConversationID: testConv, At: time.Now()}
	tests := map[string]struct {
		ev      cti.Event
		result  gate.DeliverResult
		err     error
		outcome Outcome
		errText string
		applied []string
	}{
		"matched":   {ev: start, result: gate.DeliverResult{Outcome: gate.Matched, Applied: []string{"s1", "s2"}}, outcome: OutcomeMatched, applied: []string{"s1", "s2"}},
		"ignored":   {ev: start, result: gate.DeliverResult{Outcome: gate.Ignored, Ignored: []string{"s1"}}, outcome: OutcomeIgnored},
		"cached":    {ev: start, result: gate.DeliverResult{Outcome: gate.Cached}, outcome: OutcomeCached},
		"gate shut": {ev: start, err: gate.ErrClosed, outcome: OutcomeError, errText: "closed"},
		"invalid":   {ev: cti.Event{Type: cti.Start, AgentID: "a1", At: time.Now()}, outcome: OutcomeInvalid, errText: "identifies a call"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := &fakeGate{result: tt.result, err: tt.err}
			cloud := newFakeCloud(t)
			c := startClient(t, cloud.url(), g, nil)
			cc := cloud.accept(t)
			cc.expect(t, TypeHello)
			// An invalid event cannot be marshalled by our codec: send it raw.
			raw := `{"v":1,"type":"cti","id":"e1","data":` + string(mustJSON(t, tt.ev)) + `}`
			cc.sendRaw(websocket.TextMessage, []byte(raw))
			a := cc.expect(t, TypeAck)
			if a.ID != "e1" || a.Ack.Outcome != tt.outcome || !strings.Contains(a.Ack.Error, tt.errText) ||
				!slices.Equal(a.Ack.Applied, tt.applied) {
				t.Fatalf("ack %s %+v", a.ID, a.Ack)
			}
			if n := c.metric(t, "cogito_edge_control_cti_events_total", "outcome", string(tt.outcome)); n != 1 {
				t.Errorf("cti_events_total{%s} = %v", tt.outcome, n)
			}
			if !c.Connected() {
				t.Error("connection dropped")
			}
		})
	}
}

func mustJSON(t testing.TB, ev cti.Event) []byte {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
