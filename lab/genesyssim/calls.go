package genesyssim

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// conversation is one call as the simulator holds it.
type conversation struct {
	id        string
	direction string
	parts     []*participant
	last      time.Time // the last timestamp given, so that each is later
}

// participant is one party to the call.
type participant struct {
	id, purpose, userID, name, address, queueID string
	attrs                                       map[string]string
	start, connected, end                       time.Time
	call                                        callLeg
	// done: its terminated call was notified; its topic gets no more.
	done bool
}

// callLeg is a participant's call.
type callLeg struct {
	id, state, initial, direction, uui, disconnectType, peer string
	self, other                                              string
	held                                                     bool
	connected, disconnected, holdSince                       time.Time
}

// Call is a scripted call, as the simulator's API returns it.
type Call struct {
	ConversationID string `json:"conversation_id"`
	Direction      string `json:"direction"`
	Agent          string `json:"agent"`
	UCID           string `json:"ucid,omitempty"`
	UUI            string `json:"uui,omitempty"`
}

// Where an inbound call's UUI is reported.
const (
	UUIOnCall      = "call"      // the customer's calls[].uuiData (default)
	UUIOnAttribute = "attribute" // the customer's ASAIUUI participant attribute only
	UUIOnAgent     = "agent"     // the agent's calls[].uuiData only
)

// InboundOptions shape an inbound call; the zero value is a call with a
// fresh UCID in ASAI UUI on the customer's call.
type InboundOptions struct {
	// ConversationID is the call's id; default a new UUID.
	ConversationID string `json:"conversation_id,omitempty"`
	// UCID is the Avaya UCID (16 hex digits); default a new one.
	UCID string `json:"ucid,omitempty"`
	// UUI is the raw UUI; default ASAIUUI(UCID).
	UUI string `json:"uui,omitempty"`
	// UUIOn is where the UUI is reported: UUIOnCall, UUIOnAttribute or
	// UUIOnAgent.
	UUIOn string `json:"uui_on,omitempty"`
}

// Inbound places a call from a customer through a queue to agentID, who
// answers: two notifications (agent alerting, then connected).
func (s *Sim) Inbound(agentID string, o InboundOptions) (Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byID[agentID]
	if u == nil {
		return Call{}, fmt.Errorf("%w: %s", ErrUnknownUser, agentID)
	}
	id, err := s.newConversationIDLocked(o.ConversationID)
	if err != nil {
		return Call{}, err
	}
	if o.UCID == "" {
		o.UCID = NewUCID(time.Now())
	}
	if o.UUI == "" {
		if o.UUI, err = ASAIUUI(o.UCID); err != nil {
			return Call{}, err
		}
	}
	c := &conversation{id: id, direction: "inbound"}
	t0 := c.tick()
	ani := fmt.Sprintf("tel:+1317555%04d", len(s.convs)%10000)
	cust := &participant{id: newUUID(), purpose: "customer", name: "Mobile Number, Ohio", address: ani,
		queueID: queueID, start: t0, connected: t0, attrs: map[string]string{},
		call: callLeg{id: newUUID(), state: "connected", initial: "offering", direction: "inbound",
			self: ani, other: dnis, connected: t0}}
	acd := &participant{id: newUUID(), purpose: "acd", name: "Support", queueID: queueID, start: t0, connected: t0,
		attrs: map[string]string{}, call: callLeg{id: newUUID(), state: "connected", initial: "connected", direction: "inbound", connected: t0}}
	ag := &participant{id: newUUID(), purpose: "agent", userID: u.ID, name: u.Name, address: "sip:" + u.Email,
		queueID: queueID, start: t0, attrs: map[string]string{},
		call: callLeg{id: newUUID(), state: "alerting", initial: "alerting", direction: "inbound",
			self: "sip:" + u.Email, other: ani, peer: cust.call.id}}
	switch o.UUIOn {
	case "", UUIOnCall:
		cust.call.uui = o.UUI
	case UUIOnAttribute:
		cust.attrs["ASAIUUI"] = o.UUI
	case UUIOnAgent:
		ag.call.uui = o.UUI
	default:
		return Call{}, fmt.Errorf("%w: uui_on %q: want call, attribute or agent", ErrCallState, o.UUIOn)
	}
	c.parts = []*participant{cust, acd, ag}
	s.convs[id] = c
	s.publishLocked(c)
	t1 := c.tick()
	acd.call.state, acd.call.disconnectType, acd.call.disconnected, acd.end = "disconnected", "transfer", t1, t1
	ag.call.state, ag.call.connected, ag.connected = "connected", t1, t1
	s.publishLocked(c)
	return Call{ConversationID: id, Direction: "inbound", Agent: u.ID, UCID: o.UCID, UUI: o.UUI}, nil
}

// Outbound places a call from agentID to an external number, under
// conversationID (default a new UUID): dialing, then connected.
func (s *Sim) Outbound(agentID, conversationID string) (Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byID[agentID]
	if u == nil {
		return Call{}, fmt.Errorf("%w: %s", ErrUnknownUser, agentID)
	}
	id, err := s.newConversationIDLocked(conversationID)
	if err != nil {
		return Call{}, err
	}
	c := &conversation{id: id, direction: "outbound"}
	t0 := c.tick()
	callee := fmt.Sprintf("tel:+1614555%04d", len(s.convs)%10000)
	ag := &participant{id: newUUID(), purpose: "agent", userID: u.ID, name: u.Name, address: "sip:" + u.Email,
		start: t0, attrs: map[string]string{},
		call: callLeg{id: newUUID(), state: "dialing", initial: "dialing", direction: "outbound", self: "sip:" + u.Email, other: callee}}
	ext := &participant{id: newUUID(), purpose: "external", name: "External", address: callee, start: t0, attrs: map[string]string{},
		call: callLeg{id: newUUID(), state: "contacting", initial: "contacting", direction: "outbound", self: callee, peer: ag.call.id}}
	c.parts = []*participant{ag, ext}
	s.convs[id] = c
	s.publishLocked(c)
	t1 := c.tick()
	ag.call.state, ag.call.connected, ag.connected = "connected", t1, t1
	ext.call.state, ext.call.connected, ext.connected = "connected", t1, t1
	s.publishLocked(c)
	return Call{ConversationID: id, Direction: "outbound", Agent: u.ID}, nil
}

// Hold puts the connected agent's call on hold.
func (s *Sim) Hold(conversationID string) error { return s.setHeld(conversationID, true) }

// Resume takes the agent's call off hold.
func (s *Sim) Resume(conversationID string) error { return s.setHeld(conversationID, false) }

func (s *Sim) setHeld(id string, held bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ag, err := s.activeLocked(id)
	if err != nil {
		return err
	}
	if ag.call.held == held {
		return fmt.Errorf("%w: the call is already %s", ErrCallState, map[bool]string{true: "held", false: "not held"}[held])
	}
	t := c.tick()
	ag.call.held = held
	if held {
		ag.call.holdSince = t
	} else {
		ag.call.holdSince = time.Time{}
	}
	s.publishLocked(c)
	return nil
}

// Transfer moves the call from its connected agent to toAgent: the first
// agent's call disconnects (transfer), the second's alerts, then
// connects.
func (s *Sim) Transfer(conversationID, toAgent string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, from, err := s.activeLocked(conversationID)
	if err != nil {
		return err
	}
	to := s.byID[toAgent]
	if to == nil {
		return fmt.Errorf("%w: %s", ErrUnknownUser, toAgent)
	}
	if to.ID == from.userID {
		return fmt.Errorf("%w: the call is already with %s", ErrCallState, toAgent)
	}
	t := c.tick()
	from.call.state, from.call.disconnectType, from.call.disconnected, from.call.held = "disconnected", "transfer", t, false
	from.call.holdSince, from.end = time.Time{}, t
	next := &participant{id: newUUID(), purpose: "agent", userID: to.ID, name: to.Name, address: "sip:" + to.Email,
		queueID: from.queueID, start: t, attrs: map[string]string{},
		call: callLeg{id: newUUID(), state: "alerting", initial: "alerting", direction: from.call.direction,
			self: "sip:" + to.Email, other: from.call.other, peer: from.call.peer}}
	c.parts = append(c.parts, next)
	s.publishLocked(c)
	t = c.tick()
	from.call.state = "terminated"
	next.call.state, next.call.connected, next.connected = "connected", t, t
	s.publishLocked(c)
	return nil
}

// Disconnect hangs the call up: every call disconnects, then the agents'
// calls terminate (after wrap-up).
func (s *Sim) Disconnect(conversationID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convs[conversationID]
	if c == nil {
		return fmt.Errorf("%w: %s", ErrUnknownConversation, conversationID)
	}
	if c.ended() {
		return fmt.Errorf("%w: the call has ended", ErrCallState)
	}
	t := c.tick()
	for _, p := range c.parts {
		if p.call.state == "disconnected" || p.call.state == "terminated" {
			continue
		}
		p.call.disconnectType = "peer"
		if p.userID != "" {
			p.call.disconnectType = "client"
		}
		p.call.state, p.call.disconnected, p.call.held, p.call.holdSince, p.end = "disconnected", t, false, time.Time{}, t
	}
	s.publishLocked(c)
	c.tick()
	for _, p := range c.parts {
		if p.userID != "" {
			p.call.state = "terminated"
		}
	}
	s.publishLocked(c)
	return nil
}

// activeLocked returns a call and its connected agent participant.
func (s *Sim) activeLocked(id string) (*conversation, *participant, error) {
	c := s.convs[id]
	if c == nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrUnknownConversation, id)
	}
	for i := len(c.parts) - 1; i >= 0; i-- {
		if p := c.parts[i]; p.userID != "" && p.call.state == "connected" {
			return c, p, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: no connected agent", ErrCallState)
}

func (s *Sim) newConversationIDLocked(id string) (string, error) {
	if id == "" {
		return newUUID(), nil
	}
	k, err := callkey.Conversation(id)
	if err != nil {
		return "", fmt.Errorf("%w: conversation id %q: %w", ErrCallState, id, err)
	}
	if s.convs[k.Value] != nil {
		return "", fmt.Errorf("%w: conversation %s exists", ErrCallState, k.Value)
	}
	return k.Value, nil
}

func (c *conversation) ended() bool {
	for _, p := range c.parts {
		if p.call.state != "disconnected" && p.call.state != "terminated" {
			return false
		}
	}
	return true
}

// tick returns the time of the next change: now, to the millisecond, and
// always after the last one, as Genesys stamps every change.
func (c *conversation) tick() time.Time {
	t := time.Now().UTC().Truncate(time.Millisecond)
	if !t.After(c.last) {
		t = c.last.Add(time.Millisecond)
	}
	c.last = t
	return t
}

// publishLocked sends the conversation as it is now to the topic of every
// user in it, on every channel subscribed to that topic with a socket.
// Genesys does not queue: a channel without a socket misses it.
func (s *Sim) publishLocked(c *conversation) {
	body, err := json.Marshal(c.event())
	if err != nil {
		s.log.Error("genesyssim: encoding an event", "err", err)
		return
	}
	corr := newUUID()
	seen := map[string]bool{}
	live := s.liveChannelsLocked()
	for _, p := range c.parts {
		if p.userID == "" || p.done || seen[p.userID] {
			continue
		}
		seen[p.userID] = true
		topic := "v2.users." + p.userID + ".conversations"
		msg, err := json.Marshal(envelope{TopicName: topic, Version: "2", EventBody: json.RawMessage(body),
			Metadata: map[string]string{"CorrelationId": corr}})
		if err != nil {
			continue
		}
		for _, ch := range live {
			if !ch.topics[topic] {
				continue
			}
			if ch.sock != nil && ch.sock.enqueue(msg) {
				s.stats.Notifications++
				ch.lastUsed = s.clock.Now()
			} else {
				s.stats.Dropped++
			}
		}
	}
	for _, p := range c.parts {
		if p.call.state == "terminated" {
			p.done = true
		}
	}
}

// Fixed parts of the scripted calls.
const (
	queueID = "3e6c3f7c-5a7b-4b0e-8f8d-1d2c3b4a5f6e"
	dnis    = "tel:+18005550100"
)
