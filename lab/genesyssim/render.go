package genesyssim

import (
	"net/http"
)

// event renders the conversation as the v2.users.{id}.conversations event
// body.
func (c *conversation) event() evConversation {
	ev := evConversation{ID: c.id, MaxParticipants: max(3, len(c.parts)), RecordingState: "active", Address: dnis}
	var d evDivision
	d.Division.ID = "a5b4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d"
	d.Entities = []any{}
	ev.Divisions = []evDivision{d}
	for _, p := range c.parts {
		ec := evCall{
			ID: p.call.id, State: p.call.state, InitialState: p.call.initial,
			Recording: p.userID != "", RecordingState: "none",
			Held: p.call.held, DisconnectType: p.call.disconnectType, StartHoldTime: stamp(p.call.holdSince),
			Direction: p.call.direction, Provider: "Edge", PeerID: p.call.peer,
			ConnectedTime: stamp(p.call.connected), DisconnectedTime: stamp(p.call.disconnected),
			DisconnectReasons: []any{}, UUIData: p.call.uui,
		}
		if p.userID != "" {
			ec.RecordingState = "active"
		}
		if p.call.self != "" {
			ec.Self = &evAddress{AddressNormalized: p.call.self, AddressRaw: p.call.self}
		}
		if p.call.other != "" {
			ec.Other = &evAddress{AddressNormalized: p.call.other}
		}
		if p.call.disconnectType != "" {
			ec.DisconnectReasons = []any{map[string]any{"type": p.call.disconnectType, "code": "normal"}}
		}
		ev.Participants = append(ev.Participants, evParticipant{
			ID: p.id, ConnectedTime: stamp(p.connected), EndTime: stamp(p.end), UserID: p.userID, Name: p.name,
			QueueID: p.queueID, Purpose: p.purpose, Address: p.address,
			WrapupRequired: p.userID != "", WrapupExpected: p.userID != "",
			Attributes: p.attrs, Calls: []evCall{ec},
		})
	}
	return ev
}

// read renders the conversation as GET /api/v2/conversations/calls/{id}.
func (c *conversation) read() rsConversation {
	rc := rsConversation{ID: c.id, OtherMediaURIs: []string{}, RecordingState: "active",
		SelfURI: "/api/v2/conversations/calls/" + c.id}
	for _, p := range c.parts {
		rp := rsParticipant{
			ID: p.id, Name: p.name, Address: p.address, StartTime: stamp(p.start),
			ConnectedTime: stamp(p.connected), EndTime: stamp(p.end), StartHoldTime: stamp(p.call.holdSince),
			Purpose: p.purpose, State: p.call.state, Direction: p.call.direction,
			DisconnectType: p.call.disconnectType, Held: p.call.held, WrapupRequired: p.userID != "",
			Attributes: p.attrs, Provider: "Edge", RecordingState: "none", UUIData: p.call.uui, Peer: p.call.peer,
		}
		if p.userID != "" {
			rp.User = &entityRef{ID: p.userID, SelfURI: "/api/v2/users/" + p.userID}
			rp.Recording, rp.RecordingState = true, "active"
		}
		if p.queueID != "" {
			rp.Queue = &entityRef{ID: p.queueID, SelfURI: "/api/v2/routing/queues/" + p.queueID}
		}
		if p.purpose == "customer" || p.purpose == "external" {
			rp.Ani, rp.Dnis = p.address, dnis
		}
		rc.Participants = append(rc.Participants, rp)
	}
	return rc
}

// handleGetCall is GET /api/v2/conversations/calls/{id}.
func (s *Sim) handleGetCall(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.ConversationGets++
	c := s.convs[r.PathValue("id")]
	var body rsConversation
	if c != nil {
		body = c.read()
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "not.found", "The requested conversation was not found.")
		return
	}
	writeJSON(w, http.StatusOK, body)
}
