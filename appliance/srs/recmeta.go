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
