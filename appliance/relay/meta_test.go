package relay

import (
	"slices"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// TestManifestFinalMeta: the complete JSON carries the opening keys plus
// every key the session learned (a CTI start's conversation id), the last
// agent in agent_id and the agents list the caller knows at the end.
func TestManifestFinalMeta(t *testing.T) {
	ucid := callkey.Key{Kind: callkey.KindUCID, Value: "004762C169FA480C"} // opened with (testStore.open)
	conv := callkey.Key{Kind: callkey.KindConversation, Value: "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"}
	turns := []AgentTurn{{AgentID: "agent-a", Since: testNow}, {AgentID: "agent-b", Since: testNow.Add(time.Minute)}}
	tests := map[string]struct {
		final  FinalMeta
		keys   []callkey.Key
		agent  string
		agents []string
	}{
		"nothing learned keeps the opening": {
			final: FinalMeta{}, keys: []callkey.Key{ucid}, agent: "agent-1",
		},
		"conversation id learned is added": {
			final: FinalMeta{Keys: callkey.NewSet(conv)}, keys: []callkey.Key{ucid, conv}, agent: "agent-1",
		},
		"transfer: last agent and the list": {
			final: FinalMeta{AgentID: "agent-b", Agents: turns, Keys: callkey.NewSet(ucid, conv)},
			keys:  []callkey.Key{ucid, conv}, agent: "agent-b", agents: []string{"agent-a", "agent-b"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts := newTestStore(t)
			r := ts.open(t, "meta-test")
			writeFrames(t, r, newFrameGen(), 5)
			if err := r.Close(tc.final); err != nil {
				t.Fatal(err)
			}
			m := readManifest(t, jsonPath(r))
			if m.Keys.Len() != len(tc.keys) {
				t.Errorf("keys %v, want %v", m.Keys.Keys(), tc.keys)
			}
			for _, k := range tc.keys {
				if !m.Keys.Has(k) {
					t.Errorf("keys %v lack %v", m.Keys.Keys(), k)
				}
			}
			if m.AgentID != tc.agent {
				t.Errorf("agent_id %q, want %q", m.AgentID, tc.agent)
			}
			var got []string
			for _, a := range m.Agents {
				got = append(got, a.AgentID)
			}
			if !slices.Equal(got, tc.agents) {
				t.Errorf("agents %v, want %v", got, tc.agents)
			}
			if len(tc.agents) > 0 && !m.Agents[1].Since.Equal(turns[1].Since) {
				t.Errorf("agents[1].since %v, want %v", m.Agents[1].Since, turns[1].Since)
			}
		})
	}
}
