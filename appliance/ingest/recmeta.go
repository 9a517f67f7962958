package ingest

import (
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// finalFromGate completes a recording's final metadata with the gate's
// view of the session at its end: every key it learned, the agent the call
// is with now (after a transfer, the new one) and every agent in turn.
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
