package control

import (
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// Version is the protocol version: the "v" of every message.
const Version = 1

// Size limits of one message, the JSON envelope included. A CTI event is
// at most cti.MaxEventSize; a session with callkey.MaxSetLen keys fits
// MaxMessageSize. The hello carries every live session, so it may be
// bigger; sessions beyond MaxHelloSize follow it as session messages.
const (
	MaxMessageSize = 64 << 10
	MaxHelloSize   = 1 << 20
)

// Limits of the fields the protocol defines.
const (
	maxIDLen          = 256
	maxApplianceIDLen = 128
	maxVersionLen     = 128
	maxErrorLen       = 1024
	maxAckSessions    = 256
)

// Type names a message.
type Type string

// Message types.
const (
	// TypeHello is the edge's first message on every connection.
	TypeHello Type = "hello"
	// TypeSession announces one session: offered, changed or ended.
	TypeSession Type = "session"
	// TypePing asks the other side for a pong with the same id.
	TypePing Type = "ping"
	// TypePong answers a ping.
	TypePong Type = "pong"
	// TypeCTI carries one CTI event from the cloud.
	TypeCTI Type = "cti"
	// TypeAck says what the edge did with a CTI event.
	TypeAck Type = "ack"
)

// Message is one decoded message. Type says which payload is set: Hello,
// Session, CTI or Ack; ping and pong have none.
type Message struct {
	Type Type
	// ID is a ping's or a CTI event's id, chosen by its sender and echoed
	// by the pong or the ack that answers it. Other types have none.
	ID      string
	Hello   *Hello
	Session *Session
	CTI     *cti.Event
	Ack     *Ack
}

// Hello introduces the appliance and lists its live sessions.
type Hello struct {
	// ApplianceID is the appliance's appliance_id.
	ApplianceID string `json:"appliance_id"`
	// Version is the appliance's software version.
	Version string `json:"version"`
	// Sessions are the appliance's live sessions (all of them, or the
	// first part, the rest following as session messages).
	Sessions []Session `json:"sessions"`
}

// Session is one recording session as the cloud routes by it.
type Session struct {
	// ID is the appliance's session id.
	ID string `json:"id"`
	// State is the gate's state: pending, active, held, unmatched, or
	// ended when the session is gone.
	State gate.State `json:"state"`
	// Keys are the session's canonical match keys ("ucid:…",
	// "conversation:…", "call-id:…"): a CTI event that shares one belongs
	// to this appliance.
	Keys callkey.Set `json:"keys"`
}

// SessionOf is the announcement of a gate session.
func SessionOf(s gate.Snapshot) Session {
	return Session{ID: s.ID, State: s.State, Keys: s.Keys}
}

// Outcome is what the edge did with a CTI event.
type Outcome string

// Ack outcomes. The first three are the gate's (gate.Outcome).
const (
	// OutcomeMatched: the event changed at least one session.
	OutcomeMatched Outcome = Outcome(gate.Matched)
	// OutcomeIgnored: it matched sessions but changed none (a duplicate).
	OutcomeIgnored Outcome = Outcome(gate.Ignored)
	// OutcomeCached: no session shares a key yet; it waits in the
	// early-event cache.
	OutcomeCached Outcome = Outcome(gate.Cached)
	// OutcomeInvalid: the event did not decode or validate; Error says why.
	OutcomeInvalid Outcome = "invalid"
	// OutcomeError: the gate could not take it (shutting down); Error says
	// why.
	OutcomeError Outcome = "error"
)

// Ack answers a cti message; the message's id is the event's.
type Ack struct {
	Outcome Outcome `json:"outcome"`
	// Applied and Ignored list the sessions the event changed and those it
	// matched without effect.
	Applied []string `json:"applied,omitempty"`
	Ignored []string `json:"ignored,omitempty"`
	// Error says why an event was invalid or not delivered.
	Error string `json:"error,omitempty"`
}

// AckOf is the ack of a gate delivery. An event that touched more than
// 256 sessions (never in practice) lists the first 256.
func AckOf(res gate.DeliverResult) Ack {
	applied := res.Applied[:min(len(res.Applied), maxAckSessions)]
	ignored := res.Ignored[:min(len(res.Ignored), maxAckSessions-len(applied))]
	return Ack{Outcome: Outcome(res.Outcome), Applied: applied, Ignored: ignored}
}
