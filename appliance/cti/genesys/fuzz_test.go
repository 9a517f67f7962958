package genesys

import (
	"encoding/json"
	"testing"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// FuzzDecodeConversation feeds WebSocket messages and conversation reads
// to the decoders and the mapper: nothing may panic, every event must
// validate, a fresh mapper's first snapshot can only start calls (and hold
// them), and the same snapshot on a second stream is a copy.
func FuzzDecodeConversation(f *testing.F) {
	for _, name := range []string{"event_inbound.json", "call_conversation.json"} {
		f.Add(readFile(f, name))
	}
	f.Add(event(f, convA, customer("connected", asai), agentLeg("p1", agent1, "connected", true, "inbound")))
	f.Add(event(f, convA, customer("connected", asai), agentLeg("p1", agent1, "disconnected", false, "inbound"),
		agentLeg("p2", agent2, "connected", false, "inbound")))
	f.Add(event(f, convA, agentLeg("p1", agent1, "connected", false, "outbound"),
		jp{ID: "p-ext", Purpose: "external", Calls: []jc{{State: "connected", Direction: "outbound"}}}))
	f.Add([]byte(`{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}`))
	f.Add([]byte(`{"topicName":"v2.system.socket_closing","eventBody":{"message":"closing"}}`))
	f.Add([]byte(`{"result":"404"}`))
	f.Add([]byte(`{"topicName":"v2.users.u.conversations","eventBody":{"id":"c","participants":[{"purpose":"agent","userId":"u","calls":[{"state":"connected"},{"state":"connected","held":true}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if n, err := decodeNotification(data); err == nil && n.kind == kindConversation {
			m := newTestMapper(DefaultUUIAttribute)
			evs, dup := m.applyLive(&n.conv, srcA)
			if dup {
				t.Fatal("first snapshot taken for a copy")
			}
			checkFirst(t, evs)
			again, _ := decodeNotification(data)
			evs, dup = m.applyLive(&again.conv, source{channel: "ch-b", topic: n.topic})
			if !dup || len(evs) != 0 {
				t.Fatalf("same snapshot on another channel: dup %v events %v", dup, evs)
			}
		}
		var cc callConversation
		if json.Unmarshal(data, &cc) == nil && cc.ID != "" {
			s := cc.snapshot()
			m := newTestMapper(DefaultUUIAttribute)
			evs, _ := m.applyLive(&s, srcA)
			checkFirst(t, evs)
		}
	})
}

// checkFirst checks the events of a fresh mapper's first snapshot.
func checkFirst(t *testing.T, evs []cti.Event) {
	t.Helper()
	started := map[string]bool{}
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			t.Fatalf("invalid event %+v: %v", e, err)
		}
		switch e.Type {
		case cti.Start:
			started[e.AgentID] = true
		case cti.Hold:
			if !started[e.AgentID] {
				t.Fatalf("hold before start: %+v", evs)
			}
		default:
			t.Fatalf("%s from a first snapshot: %+v", e.Type, evs)
		}
	}
}
