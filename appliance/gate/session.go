package gate

import (
	"context"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// Leg is the far side of a session that the gate drives: the SIP user agent
// (re-INVITE, BYE) and later the AudioHook server. Calls may be slow (a
// re-INVITE with 491 back-off takes seconds); the gate makes them from a
// per-session worker, never with its lock held, one at a time per session,
// and bounds each with Config.LegTimeout. Implementations must honour ctx.
//
// An error is logged and counted. An Activate error returns the session to
// pending (or unmatched) and the gate does not retry on its own: the next
// matching CTI start activates again. Pause, Resume and End errors leave the
// gate's state as it is, since retrying a failed re-INVITE in a loop would
// only make matters worse.
type Leg interface {
	// Activate starts media (SIP: re-INVITE recvonly).
	Activate(ctx context.Context, a Activation) error
	// Pause stops media while the agent's call is on hold or ending.
	Pause(ctx context.Context) error
	// Resume restarts media after Pause.
	Resume(ctx context.Context) error
	// End tears the session down (SIP: BYE). The gate calls it on
	// on_timeout=bye ("match-timeout"), end-grace expiry ("cti-end") and
	// Drain ("shutdown"), never after Session.Close.
	End(ctx context.Context, reason string) error
}

// Activation is what the CTI event that activates a session says about it.
// The SIP side uses Direction for the channel map (DESIGN §6).
type Activation struct {
	Direction      cti.Direction
	AgentID        string
	ConversationID string
}

// SessionInfo describes a session for the admin API. The gate stores it and
// never interprets it.
type SessionInfo struct {
	// Source says where the session came from, e.g. "sip:10.20.0.7:5060" or "audiohook".
	Source string `json:"source"`
	// CallID is the SIP Call-ID of the recording dialog.
	CallID string `json:"call_id,omitempty"`
	// Participants is a one-line summary per participant, e.g. "+15551234567 (caller)".
	Participants []string `json:"participants,omitempty"`
	// StartedAt is when the recorded call started, as the SBC reports it.
	StartedAt time.Time `json:"started_at,omitzero"`
}

// Session is one registered recording session. Its methods are safe for
// concurrent use.
type Session struct {
	g         *Gate
	id        string
	leg       Leg
	info      SessionInfo
	offeredAt time.Time

	// ctx bounds the session's Leg calls. It is cancelled once the session
	// has ended and its worker is done, or at once by Close (the SIP dialog
	// is gone, so an in-flight re-INVITE is pointless).
	ctx    context.Context
	cancel context.CancelFunc
	// done is closed when the session has ended and its worker has exited.
	done chan struct{}

	// g.mu guards every field below.
	keys           callkey.Set
	state          State
	idle           State // pending or unmatched: where an undone activation returns
	agentID        string
	agents         []AgentTurn // every agent in turn, the last is agentID
	droppedAgents  int
	direction      cti.Direction
	conversationID string
	activatedAt    time.Time
	matchedAt      time.Time // the CTI start that (last) matched while idle
	endedAt        time.Time
	endReason      string
	transitions    []Transition
	droppedTrans   int
	legErrors      int

	matchTimer Timer
	matchGen   uint64 // invalidates a match timer that fires after re-arming
	ending     bool   // a CTI end started the end grace
	endBy      time.Time
	graceTimer Timer
	graceGen   uint64

	// Leg view, written by the worker just before a call so that events
	// arriving during the call see the leg as it will be.
	legUp     bool // Activate succeeded or is in flight
	legPaused bool
	legDone   bool // End was called, or is not needed (Session.Close)
	working   bool // a worker goroutine runs for this session
	finished  bool // done is closed
}

// ID returns the session id given to Offer.
func (s *Session) ID() string { return s.id }

// State returns the session's current state.
func (s *Session) State() State {
	s.g.mu.Lock()
	defer s.g.mu.Unlock()
	return s.state
}

// Snapshot returns a copy of the session's state for the admin API.
func (s *Session) Snapshot() Snapshot {
	s.g.mu.Lock()
	defer s.g.mu.Unlock()
	return s.snapshotLocked()
}

// UpdateKeys adds keys learned after the offer (SBC re-INVITE or UPDATE
// metadata; x-inin-cnv may only appear after answer) and replays any cached
// CTI events that share one of them. It is a no-op on an ended session.
func (s *Session) UpdateKeys(keys callkey.Set) {
	g := s.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || s.state == StateEnded {
		return
	}
	if g.addKeysLocked(s, keys) {
		g.notifyLocked(s)
		g.replayLocked(s)
	}
}

// Close ends the session because its far side ended (SIP BYE or CANCEL, the
// AudioHook socket closed). The gate does not call Leg.End for it and
// cancels any Leg call in flight. Close is idempotent.
func (s *Session) Close(reason string) {
	g := s.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if s.state == StateEnded {
		return
	}
	s.legDone = true
	s.cancel()
	g.endLocked(s, reason)
}

// activationLocked builds the Activation for the worker from the latest
// CTI data, so a start for another agent that arrives before the worker
// runs is the one that counts.
func (s *Session) activationLocked() Activation {
	a := Activation{Direction: s.direction, AgentID: s.agentID, ConversationID: s.conversationID}
	if a.ConversationID == "" {
		if ks := s.keys.Of(callkey.KindConversation); len(ks) > 0 {
			a.ConversationID = ks[0].Value
		}
	}
	return a
}

// recordLocked appends a transition, dropping the oldest beyond maxTransitions.
func (s *Session) recordLocked(t Transition) {
	if len(s.transitions) >= maxTransitions {
		copy(s.transitions, s.transitions[1:])
		s.transitions = s.transitions[:len(s.transitions)-1]
		s.droppedTrans++
	}
	s.transitions = append(s.transitions, t)
}

// updateCallLocked takes the agent, direction and conversation id of a CTI
// event; empty fields keep what the session knew. It reports whether the
// agent changed.
func (s *Session) updateCallLocked(ev *cti.Event) bool {
	changed := ev.AgentID != "" && ev.AgentID != s.agentID
	if changed {
		s.agentID = ev.AgentID
		s.addAgentLocked(AgentTurn{AgentID: ev.AgentID, Since: s.g.clock.Now()})
	}
	if ev.Direction != "" {
		s.direction = ev.Direction
	}
	if k, err := callkey.Conversation(ev.ConversationID); err == nil {
		s.conversationID = k.Value
	}
	return changed
}

// addAgentLocked appends an agent turn, dropping the oldest beyond maxAgents.
func (s *Session) addAgentLocked(a AgentTurn) {
	if len(s.agents) >= maxAgents {
		copy(s.agents, s.agents[1:])
		s.agents = s.agents[:len(s.agents)-1]
		s.droppedAgents++
	}
	s.agents = append(s.agents, a)
}

// stopTimersLocked cancels the match timer and the end grace.
func (s *Session) stopTimersLocked() {
	if s.matchTimer != nil {
		s.matchTimer.Stop()
		s.matchTimer = nil
	}
	s.matchGen++
	s.stopGraceLocked()
}

func (s *Session) stopGraceLocked() {
	if s.graceTimer != nil {
		s.graceTimer.Stop()
		s.graceTimer = nil
	}
	s.graceGen++
	s.ending = false
	s.endBy = time.Time{}
}

// finishLocked releases the session once it has ended and no worker runs.
func (s *Session) finishLocked() {
	if s.finished {
		return
	}
	s.finished = true
	delete(s.g.live, s)
	s.cancel()
	close(s.done)
}
