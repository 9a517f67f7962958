package genesys

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// snapshot is a conversation as one notification or one read shows it:
// what the mapper needs, nothing more. Both JSON shapes Genesys uses for a
// call become one: the v2.users.{id}.conversations event (participants
// with calls[]) and GET /api/v2/conversations/calls/{id} (participants
// carrying state, held, direction and uuiData themselves).
type snapshot struct {
	ID      string
	Parties []party
}

// party is one participant.
type party struct {
	ID      string
	Purpose string // lower case: customer, external, agent, user, acd, ivr, ...
	UserID  string
	// Observer is true for a monitor, coach or barge-in participant: not
	// the agent on the call.
	Observer bool
	Attrs    map[string]string
	Calls    []leg
}

// leg is one call (communication) of a participant.
type leg struct {
	State     string // lower case: alerting, dialing, contacting, connected, disconnected, terminated, ...
	Held      bool
	Direction string // lower case: inbound, outbound
	UUI       string
	Connected time.Time
	Ended     time.Time
	HeldSince time.Time
}

// maxParties and maxCalls bound what one snapshot may hold; a conversation
// has a handful of each.
const (
	maxParties = 256
	maxCalls   = 64
	maxAttrs   = 256
)

// eventConversation is the eventBody of v2.users.{id}.conversations.
type eventConversation struct {
	ID           string `json:"id"`
	Participants []struct {
		ID                     string                     `json:"id"`
		Purpose                string                     `json:"purpose"`
		UserID                 string                     `json:"userId"`
		MonitoredParticipantID string                     `json:"monitoredParticipantId"`
		CoachedParticipantID   string                     `json:"coachedParticipantId"`
		BargedParticipantID    string                     `json:"bargedParticipantId"`
		Attributes             map[string]json.RawMessage `json:"attributes"`
		Calls                  []eventCall                `json:"calls"`
	} `json:"participants"`
}

// eventCall is one calls[] element.
type eventCall struct {
	State            string `json:"state"`
	Held             bool   `json:"held"`
	Direction        string `json:"direction"`
	UUIData          string `json:"uuiData"`
	ConnectedTime    string `json:"connectedTime"`
	DisconnectedTime string `json:"disconnectedTime"`
	StartHoldTime    string `json:"startHoldTime"`
}

// callConversation is GET /api/v2/conversations/calls/{id} (CallConversation):
// each participant (CallMediaParticipant) carries its call's state. Some
// conversation reads nest calls[] instead; both are taken.
type callConversation struct {
	ID           string `json:"id"`
	Participants []struct {
		ID                     string                     `json:"id"`
		Purpose                string                     `json:"purpose"`
		State                  string                     `json:"state"`
		Held                   bool                       `json:"held"`
		Direction              string                     `json:"direction"`
		UUIData                string                     `json:"uuiData"`
		ConnectedTime          string                     `json:"connectedTime"`
		EndTime                string                     `json:"endTime"`
		StartHoldTime          string                     `json:"startHoldTime"`
		UserID                 string                     `json:"userId"`
		User                   *struct{ ID string }       `json:"user"`
		MonitoredParticipantID string                     `json:"monitoredParticipantId"`
		CoachedParticipantID   string                     `json:"coachedParticipantId"`
		BargedParticipantID    string                     `json:"bargedParticipantId"`
		Attributes             map[string]json.RawMessage `json:"attributes"`
		Calls                  []eventCall                `json:"calls"`
	} `json:"participants"`
}

// decodeConversation reads a v2.users.{id}.conversations eventBody.
func decodeConversation(b []byte) (snapshot, error) {
	var ec eventConversation
	if err := json.Unmarshal(b, &ec); err != nil {
		return snapshot{}, fmt.Errorf("%w: conversation event: %w", ErrMalformed, err)
	}
	if ec.ID == "" {
		return snapshot{}, fmt.Errorf("%w: conversation event without an id", ErrMalformed)
	}
	if len(ec.Participants) > maxParties {
		return snapshot{}, fmt.Errorf("%w: conversation event with %d participants", ErrMalformed, len(ec.Participants))
	}
	s := snapshot{ID: ec.ID, Parties: make([]party, 0, len(ec.Participants))}
	for _, p := range ec.Participants {
		if len(p.Calls) > maxCalls {
			return snapshot{}, fmt.Errorf("%w: participant with %d calls", ErrMalformed, len(p.Calls))
		}
		pt := party{
			ID:       p.ID,
			Purpose:  strings.ToLower(p.Purpose),
			UserID:   p.UserID,
			Observer: p.MonitoredParticipantID != "" || p.CoachedParticipantID != "" || p.BargedParticipantID != "",
			Attrs:    stringAttrs(p.Attributes),
		}
		for _, c := range p.Calls {
			pt.Calls = append(pt.Calls, c.leg())
		}
		s.Parties = append(s.Parties, pt)
	}
	return s, nil
}

// snapshot converts a conversation read.
func (cc *callConversation) snapshot() snapshot {
	s := snapshot{ID: cc.ID, Parties: make([]party, 0, min(len(cc.Participants), maxParties))}
	for i, p := range cc.Participants {
		if i == maxParties {
			break
		}
		pt := party{
			ID:       p.ID,
			Purpose:  strings.ToLower(p.Purpose),
			UserID:   p.UserID,
			Observer: p.MonitoredParticipantID != "" || p.CoachedParticipantID != "" || p.BargedParticipantID != "",
			Attrs:    stringAttrs(p.Attributes),
		}
		if pt.UserID == "" && p.User != nil {
			pt.UserID = p.User.ID
		}
		if len(p.Calls) > 0 {
			for j, c := range p.Calls {
				if j == maxCalls {
					break
				}
				pt.Calls = append(pt.Calls, c.leg())
			}
		} else if p.State != "" {
			pt.Calls = []leg{{
				State:     strings.ToLower(p.State),
				Held:      p.Held,
				Direction: strings.ToLower(p.Direction),
				UUI:       p.UUIData,
				Connected: parseTime(p.ConnectedTime),
				Ended:     parseTime(p.EndTime),
				HeldSince: parseTime(p.StartHoldTime),
			}}
		}
		s.Parties = append(s.Parties, pt)
	}
	return s
}

func (c eventCall) leg() leg {
	return leg{
		State:     strings.ToLower(c.State),
		Held:      c.Held,
		Direction: strings.ToLower(c.Direction),
		UUI:       c.UUIData,
		Connected: parseTime(c.ConnectedTime),
		Ended:     parseTime(c.DisconnectedTime),
		HeldSince: parseTime(c.StartHoldTime),
	}
}

// stringAttrs keeps the string-valued attributes; Genesys attributes are
// strings, anything else is ignored rather than failing the event.
func stringAttrs(raw map[string]json.RawMessage) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	out := make(map[string]string, min(len(raw), maxAttrs))
	for k, v := range raw {
		if len(out) == maxAttrs {
			break
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		}
	}
	return out
}

// parseTime reads an ISO-8601 timestamp; anything else is the zero time.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	return time.Time{}
}
