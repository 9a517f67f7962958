package srs

import (
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// openingFromGate adds what the activating CTI start taught the gate to a
// recording's opening metadata: the Genesys conversation id (a start
// matched by UCID carries it) joins the keys, and the agent starts the
// agents list. meta.ConversationID names the cloud recording.
func openingFromGate(meta *relay.RecordingMeta, a gate.Activation) {
	if k, err := callkey.Conversation(a.ConversationID); err == nil {
		meta.ConversationID = k.Value
		meta.Keys.Add(k)
	}
	if meta.AgentID != "" {
		meta.Agents = []relay.AgentTurn{{AgentID: meta.AgentID, Since: meta.ActivatedAt}}
	}
}

// finalFromGate completes a recording's final metadata with the gate's
// view of the session at its end: every key it learned (a CTI start's
// conversation id among them), the agent the call is with now (after a
// transfer, the new one) and every agent in turn.
func finalFromGate(final *relay.FinalMeta, snap gate.Snapshot) {
	final.Keys.AddAll(snap.Keys)
	if snap.AgentID != "" {
		final.AgentID = snap.AgentID
	}
	if snap.Direction != "" {
		final.Direction = string(snap.Direction)
	}
	if len(snap.Agents) > 0 {
		final.Agents = make([]relay.AgentTurn, len(snap.Agents))
		for i, t := range snap.Agents {
			final.Agents[i] = relay.AgentTurn{AgentID: t.AgentID, Since: t.Since}
		}
	}
}
