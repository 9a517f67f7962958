package genesys

import (
	"reflect"
	"testing"

	"github.com/cogito/cogito-edge/appliance/cti"
)

var srcA = source{channel: "ch-a", topic: userTopic(agent1)}

func TestMapperSequences(t *testing.T) {
	in := func(typ cti.Type, agent string) brief {
		return brief{typ, convA, ucidA, asai, agent, cti.Inbound}
	}
	tests := map[string]struct {
		attr  string
		steps [][]jp
		want  []brief
	}{
		"inbound lifecycle": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "alerting", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
				{customer("disconnected", asai), agentLeg("p1", agent1, "disconnected", false, "inbound")},
				{customer("terminated", asai), agentLeg("p1", agent1, "terminated", false, "inbound")},
			},
			want: []brief{in(cti.Start, agent1), in(cti.Hold, agent1), in(cti.Resume, agent1), in(cti.End, agent1)},
		},
		"first seen held": {
			steps: [][]jp{{customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound")}},
			want:  []brief{in(cti.Start, agent1), in(cti.Hold, agent1)},
		},
		"held then ended, no resume": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "disconnected", true, "inbound")},
			},
			want: []brief{in(cti.Start, agent1), in(cti.Hold, agent1), in(cti.End, agent1)},
		},
		"missed call": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "alerting", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "disconnected", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
			},
		},
		"transfer: end before start": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "disconnected", false, "inbound"), agentLeg("p2", agent2, "alerting", false, "inbound")},
				{customer("connected", asai), agentLeg("p2", agent2, "connected", false, "inbound"), agentLeg("p1", agent1, "disconnected", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "disconnected", false, "inbound"), agentLeg("p2", agent2, "disconnected", false, "inbound")},
			},
			want: []brief{in(cti.Start, agent1), in(cti.End, agent1), in(cti.Start, agent2), in(cti.End, agent2)},
		},
		"blind transfer in one snapshot": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
				{customer("connected", asai), agentLeg("p2", agent2, "connected", false, "inbound"), agentLeg("p1", agent1, "disconnected", false, "inbound")},
			},
			want: []brief{in(cti.Start, agent1), in(cti.End, agent1), in(cti.Start, agent2)},
		},
		"transfer back to the same agent is a new leg": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
				{customer("connected", asai), agentLeg("p1", agent1, "disconnected", false, "inbound"), agentLeg("p3", agent1, "connected", false, "inbound")},
			},
			want: []brief{in(cti.Start, agent1), in(cti.End, agent1), in(cti.Start, agent1)},
		},
		"outbound": {
			steps: [][]jp{
				{agentLeg("p1", agent1, "dialing", false, "outbound"), {ID: "p-ext", Purpose: "external", Calls: []jc{{State: "contacting", Direction: "outbound"}}}},
				{agentLeg("p1", agent1, "connected", false, "outbound"), {ID: "p-ext", Purpose: "external", Calls: []jc{{State: "connected", Direction: "outbound"}}}},
				{agentLeg("p1", agent1, "disconnected", false, "outbound"), {ID: "p-ext", Purpose: "external", Calls: []jc{{State: "disconnected", Direction: "outbound"}}}},
			},
			want: []brief{{cti.Start, convA, "", "", agent1, cti.Outbound}, {cti.End, convA, "", "", agent1, cti.Outbound}},
		},
		"uui from the agent's call": {
			steps: [][]jp{{customer("connected", ""), {ID: "p1", Purpose: "agent", UserID: agent1, Calls: []jc{{State: "connected", Direction: "inbound", UUIData: asai}}}}},
			want:  []brief{in(cti.Start, agent1)},
		},
		"uui from the attribute": {
			steps: [][]jp{{{ID: "p-cust", Purpose: "customer", Attributes: map[string]string{"ASAIUUI": asai}, Calls: []jc{{State: "connected", Direction: "inbound"}}}, agentLeg("p1", agent1, "connected", false, "inbound")}},
			want:  []brief{in(cti.Start, agent1)},
		},
		"uui attribute of another name": {
			attr:  "UUI",
			steps: [][]jp{{{ID: "p-cust", Purpose: "customer", Attributes: map[string]string{"ASAIUUI": "nope", "UUI": asai}, Calls: []jc{{State: "connected", Direction: "inbound"}}}, agentLeg("p1", agent1, "connected", false, "inbound")}},
			want:  []brief{in(cti.Start, agent1)},
		},
		"customer call uui wins over attribute": {
			steps: [][]jp{{{ID: "p-cust", Purpose: "customer", Attributes: map[string]string{"ASAIUUI": "04FA0800000001690A0001"}, Calls: []jc{{State: "connected", Direction: "inbound", UUIData: asai}}}, agentLeg("p1", agent1, "connected", false, "inbound")}},
			want:  []brief{in(cti.Start, agent1)},
		},
		"uui sticks when a later snapshot drops it": {
			steps: [][]jp{
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
				{customer("connected", ""), agentLeg("p1", agent1, "disconnected", false, "inbound")},
			},
			want: []brief{in(cti.Start, agent1), in(cti.End, agent1)},
		},
		"monitor and acd ignored": {
			steps: [][]jp{{
				customer("connected", asai),
				{ID: "p-acd", Purpose: "acd", Calls: []jc{{State: "connected", Direction: "inbound"}}},
				{ID: "p-mon", Purpose: "agent", UserID: agent2, Monitored: "p1", Calls: []jc{{State: "connected", Direction: "inbound"}}},
				agentLeg("p1", agent1, "connected", false, "inbound"),
			}},
			want: []brief{in(cti.Start, agent1)},
		},
		"unknown states and purposes tolerated": {
			steps: [][]jp{
				{customer("connected", asai), {ID: "p-x", Purpose: "robot", UserID: agent2, Calls: []jc{{State: "connected"}}}, agentLeg("p1", agent1, "teleporting", false, "sideways")},
				{customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound")},
			},
			want: []brief{in(cti.Start, agent1)},
		},
		"user purpose": {
			steps: [][]jp{{customer("connected", asai), {ID: "p1", Purpose: "user", UserID: agent1, Calls: []jc{{State: "connected", Direction: "inbound"}}}}},
			want:  []brief{in(cti.Start, agent1)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			attr := tt.attr
			if attr == "" {
				attr = DefaultUUIAttribute
			}
			m := newTestMapper(attr)
			var got []cti.Event
			for i, parts := range tt.steps {
				evs, dup := m.applyLive(snap(t, event(t, convA, parts...)), srcA)
				if dup {
					t.Fatalf("step %d: duplicate", i)
				}
				got = append(got, evs...)
			}
			if b := briefs(got); !reflect.DeepEqual(b, tt.want) && (len(b) != 0 || len(tt.want) != 0) {
				t.Fatalf("events:\n got %+v\nwant %+v", b, tt.want)
			}
			for _, e := range got {
				if err := e.Validate(); err != nil {
					t.Fatalf("invalid event %+v: %v", e, err)
				}
			}
		})
	}
}

func TestMapperDeduplicates(t *testing.T) {
	m := newTestMapper(DefaultUUIAttribute)
	pre := event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound"))
	hold := event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound"))
	srcB := source{channel: "ch-b", topic: userTopic(agent1)}  // the same topic on a second channel
	srcT2 := source{channel: "ch-a", topic: userTopic(agent2)} // another agent's topic, same channel
	steps := []struct {
		name string
		b    []byte
		src  source
		dup  bool
		want []cti.Type
	}{
		{"start", pre, srcA, false, []cti.Type{cti.Start}},
		{"copy on another channel", pre, srcB, true, nil},
		{"copy on another agent's topic", pre, srcT2, true, nil},
		{"hold", hold, srcA, false, []cti.Type{cti.Hold}},
		// resumed looks exactly like before the hold: it is new on the
		// stream that delivers it first...
		{"resume", pre, srcA, false, []cti.Type{cti.Resume}},
		// ...and a copy on the streams that catch up.
		{"hold copy", hold, srcB, true, nil},
		{"resume copy", pre, srcB, true, nil},
		{"hold copy on T2", hold, srcT2, true, nil},
		{"resume copy on T2", pre, srcT2, true, nil},
		// A late copy of the hold on a channel that had not delivered it
		// yet... it had (hold copy above): a second hold is new.
		{"hold again", event(t, convA, customer("connected", asai), jp{ID: "p1", Purpose: "agent", UserID: agent1,
			Calls: []jc{{State: "connected", Held: true, Direction: "inbound", StartHoldTime: "2026-11-25T10:05:00Z"}}}), srcB, false, []cti.Type{cti.Hold}},
	}
	for _, st := range steps {
		evs, dup := m.applyLive(snap(t, st.b), st.src)
		var types []cti.Type
		for _, e := range evs {
			types = append(types, e.Type)
		}
		if dup != st.dup || !reflect.DeepEqual(types, st.want) {
			t.Fatalf("%s: events %v dup %v, want %v dup %v", st.name, types, dup, st.want, st.dup)
		}
	}
}

// TestMapperNewChannelStartsNow: a channel subscribed after a snapshot was
// applied does not carry it, so its first snapshot is new even when it
// looks like an older one (a resume after a renewal).
func TestMapperNewChannelStartsNow(t *testing.T) {
	m := newTestMapper(DefaultUUIAttribute)
	pre := event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound"))
	hold := event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound"))
	m.applyLive(snap(t, pre), srcA)
	m.applyLive(snap(t, hold), srcA)
	renewed := source{channel: "ch-new", topic: userTopic(agent1), start: m.current()}
	evs, dup := m.applyLive(snap(t, pre), renewed)
	if dup || len(evs) != 1 || evs[0].Type != cti.Resume {
		t.Fatalf("resume on the renewed channel: %v dup %v", evs, dup)
	}
	if evs, dup := m.applyLive(snap(t, pre), srcA); !dup || len(evs) != 0 {
		t.Fatalf("old channel's copy: %v dup %v", evs, dup)
	}
}

func TestMapperReconcile(t *testing.T) {
	m := newTestMapper(DefaultUUIAttribute)
	m.applyLive(snap(t, event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound"))), srcA)
	refs := m.open()
	if len(refs) != 1 || refs[0].id != convA {
		t.Fatalf("open = %+v", refs)
	}
	held := snap(t, event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound")))
	// A live snapshot arrived while the read was on its way: the read is
	// stale and must not be applied.
	m.applyLive(snap(t, event(t, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound"), agentLeg("p9", agent2, "alerting", false, "inbound"))), srcA)
	if evs, stale := m.applyRead(held, refs[0].version); !stale || len(evs) != 0 {
		t.Fatalf("stale read applied: %v %v", evs, stale)
	}
	refs = m.open()
	if evs, stale := m.applyRead(held, refs[0].version); stale || len(evs) != 1 || evs[0].Type != cti.Hold {
		t.Fatalf("read: %v %v", evs, stale)
	}
	if evs, stale := m.applyGone(convA, refs[0].version); stale || len(evs) != 1 || evs[0].Type != cti.End {
		t.Fatalf("gone: %v %v", evs, stale)
	}
	if n := m.openCount(); n != 0 {
		t.Fatalf("open after gone = %d", n)
	}
}

func TestMapperConversationID(t *testing.T) {
	m := newTestMapper(DefaultUUIAttribute)
	evs, _ := m.applyLive(snap(t, event(t, "not-a-uuid", customer("connected", asai), agentLeg("p1", agent1, "connected", false, "inbound"))), srcA)
	if len(evs) != 1 || evs[0].ConversationID != "" || evs[0].UCID != ucidA {
		t.Fatalf("non-UUID id with UUI: %+v", evs)
	}
	evs, _ = m.applyLive(snap(t, event(t, "still-not", agentLeg("p1", agent1, "connected", false, "outbound"))), srcA)
	if len(evs) != 0 {
		t.Fatalf("no key at all gave %+v", evs)
	}
	evs, _ = m.applyLive(snap(t, event(t, "5F1D2C3B-0A9E-4D8F-9B7A-6C5E4D3C2B1B", agentLeg("p1", agent1, "connected", false, "outbound"))), srcA)
	if len(evs) != 1 || evs[0].ConversationID != "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1b" {
		t.Fatalf("upper-case id: %+v", evs)
	}
}

// TestRealisticShapes maps the committed Genesys-shaped event and the
// conversation read of the same call: both shapes must give the same
// agent call.
func TestRealisticShapes(t *testing.T) {
	m := newTestMapper(DefaultUUIAttribute)
	evs, _ := m.applyLive(snap(t, readFile(t, "event_inbound.json")), srcA)
	want := []brief{{cti.Start, convA, ucidA, asai, agent1, cti.Inbound}}
	if !reflect.DeepEqual(briefs(evs), want) {
		t.Fatalf("event: %+v", briefs(evs))
	}
	if evs[0].At.Format("15:04:05.000") != "10:00:07.380" {
		t.Fatalf("start at %v, want the agent's connectedTime", evs[0].At)
	}
	var cc callConversation
	if err := jsonUnmarshal(readFile(t, "call_conversation.json"), &cc); err != nil {
		t.Fatal(err)
	}
	s := cc.snapshot()
	refs := m.open()
	evs, stale := m.applyRead(&s, refs[0].version)
	want = []brief{{cti.Hold, convA, ucidA, asai, agent1, cti.Inbound}}
	if stale || !reflect.DeepEqual(briefs(evs), want) {
		t.Fatalf("read: %+v stale %v", briefs(evs), stale)
	}
}
