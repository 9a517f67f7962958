package srs

import (
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// TestRecordingMetaFromGate: the recording opens under the conversation id
// of the activating CTI start (key and cloud name), and closes with the
// gate's keys and its last agent and agents list.
func TestRecordingMetaFromGate(t *testing.T) {
	const conv = "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"
	ucid, err := callkey.UCID("004762C169FA480C")
	if err != nil {
		t.Fatal(err)
	}
	ck, err := callkey.Conversation(conv)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	open := map[string]struct {
		act      gate.Activation
		wantConv string
		wantKeys int
	}{
		"start with conversation id": {gate.Activation{AgentID: "agent-a", ConversationID: conv}, conv, 2},
		"start without":              {gate.Activation{AgentID: "agent-a"}, "", 1},
		"invalid id ignored":         {gate.Activation{AgentID: "agent-a", ConversationID: "nope"}, "", 1},
	}
	for name, tc := range open {
		t.Run("open/"+name, func(t *testing.T) {
			meta := relay.RecordingMeta{SessionID: "s1", Keys: callkey.NewSet(ucid), AgentID: tc.act.AgentID, ActivatedAt: now}
			openingFromGate(&meta, tc.act)
			if meta.ConversationID != tc.wantConv || meta.Keys.Len() != tc.wantKeys {
				t.Fatalf("conversation %q keys %v", meta.ConversationID, meta.Keys.Keys())
			}
			if tc.wantConv != "" && relay.ConversationID("edge", meta) != tc.wantConv {
				t.Fatalf("cloud conversation id %q, want %q", relay.ConversationID("edge", meta), tc.wantConv)
			}
			if len(meta.Agents) != 1 || meta.Agents[0].AgentID != "agent-a" || !meta.Agents[0].Since.Equal(now) {
				t.Fatalf("agents %+v", meta.Agents)
			}
		})
	}

	final := map[string]struct {
		snap      gate.Snapshot
		wantAgent string
		agents    int
	}{
		"transfer": {gate.Snapshot{Keys: callkey.NewSet(ucid, ck), AgentID: "agent-b", Direction: "inbound",
			Agents: []gate.AgentTurn{{AgentID: "agent-a", Since: now}, {AgentID: "agent-b", Since: now.Add(time.Minute)}}}, "agent-b", 2},
		"gate knows no agent keeps the leg's": {gate.Snapshot{Keys: callkey.NewSet(ucid, ck)}, "agent-a", 0},
	}
	for name, tc := range final {
		t.Run("final/"+name, func(t *testing.T) {
			f := relay.FinalMeta{AgentID: "agent-a", Keys: callkey.NewSet(ucid)}
			f.AddSession(tc.snap)
			if !f.Keys.Has(ck) || !f.Keys.Has(ucid) || f.Keys.Len() != 2 {
				t.Errorf("keys %v", f.Keys.Keys())
			}
			if f.AgentID != tc.wantAgent || len(f.Agents) != tc.agents {
				t.Errorf("agent %q agents %+v", f.AgentID, f.Agents)
			}
		})
	}
}
