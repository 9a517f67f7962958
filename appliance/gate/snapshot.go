package gate

import (
	"slices"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// Snapshot is a copy of one session for the admin API (GET /v1/calls) and
// logs. It shares nothing with the live session.
type Snapshot struct {
	ID        string        `json:"id"`
	State     State         `json:"state"`
	Keys      callkey.Set   `json:"keys"`
	Direction cti.Direction `json:"direction,omitempty"`
	// AgentID is the agent the call is with now (the last CTI start's).
	AgentID string `json:"agent_id,omitempty"`
	// Agents lists every agent the call was with, oldest first: a transfer
	// adds one. AgentsDropped counts the oldest no longer kept.
	Agents         []AgentTurn `json:"agents,omitempty"`
	AgentsDropped  int         `json:"agents_dropped,omitempty"`
	ConversationID string      `json:"conversation_id,omitempty"`
	Info           SessionInfo `json:"info"`
	OfferedAt      time.Time   `json:"offered_at"`
	ActivatedAt    time.Time   `json:"activated_at,omitzero"`
	EndedAt        time.Time   `json:"ended_at,omitzero"`
	// EndBy is when the end grace expires, set while a CTI end is pending.
	EndBy       time.Time    `json:"end_by,omitzero"`
	EndReason   string       `json:"end_reason,omitempty"`
	Transitions []Transition `json:"transitions"`
	// TransitionsDropped counts the oldest transitions no longer kept.
	TransitionsDropped int `json:"transitions_dropped,omitempty"`
	LegErrors          int `json:"leg_errors,omitempty"`
}

func (s *Session) snapshotLocked() Snapshot {
	info := s.info
	info.Participants = slices.Clone(info.Participants)
	return Snapshot{
		ID:                 s.id,
		State:              s.state,
		Keys:               s.keys.Clone(),
		Direction:          s.direction,
		AgentID:            s.agentID,
		Agents:             slices.Clone(s.agents),
		AgentsDropped:      s.droppedAgents,
		ConversationID:     s.conversationID,
		Info:               info,
		OfferedAt:          s.offeredAt,
		ActivatedAt:        s.activatedAt,
		EndedAt:            s.endedAt,
		EndBy:              s.endBy,
		EndReason:          s.endReason,
		Transitions:        slices.Clone(s.transitions),
		TransitionsDropped: s.droppedTrans,
		LegErrors:          s.legErrors,
	}
}

// AgentTurn is one agent of a session's call and when the gate learned of
// it (the CTI start that named the agent).
type AgentTurn struct {
	AgentID string    `json:"agent_id"`
	Since   time.Time `json:"since"`
}

// maxAgents bounds the agents kept per session, like maxTransitions.
const maxAgents = 32
