// Package cti defines the CTI event that opens, holds, resumes and ends a
// recording, and the sources that deliver it (cloud control channel, admin
// API, Genesys Notifications). The JSON form is the same everywhere
// (DESIGN §3).
package cti

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// MaxEventSize bounds one encoded event.
const MaxEventSize = 16 << 10

// Type is what happened to the agent's call.
type Type string

// Event types.
const (
	Start  Type = "start"
	Hold   Type = "hold"
	Resume Type = "resume"
	End    Type = "end"
)

// Direction is the call's direction as the contact center sees it.
type Direction string

// Directions. Empty means unknown.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// ErrInvalid is wrapped by every validation failure.
var ErrInvalid = errors.New("cti: invalid event")

// Event is one CTI event. At least one of ConversationID, UCID or UUI must
// identify the call.
type Event struct {
	Type           Type      `json:"type"`
	ConversationID string    `json:"conversation_id,omitempty"`
	UCID           string    `json:"ucid,omitempty"`
	UUI            string    `json:"uui,omitempty"`
	AgentID        string    `json:"agent_id,omitempty"`
	Direction      Direction `json:"direction,omitempty"`
	At             time.Time `json:"at"`
}

// Validate checks the type, the direction and that some key identifies the call.
func (e *Event) Validate() error {
	switch e.Type {
	case Start, Hold, Resume, End:
	default:
		return fmt.Errorf("%w: type %q (want start|hold|resume|end)", ErrInvalid, e.Type)
	}
	switch e.Direction {
	case "", Inbound, Outbound:
	default:
		return fmt.Errorf("%w: direction %q (want inbound|outbound)", ErrInvalid, e.Direction)
	}
	if e.ConversationID != "" {
		if _, err := callkey.Conversation(e.ConversationID); err != nil {
			return fmt.Errorf("%w: conversation_id: %w", ErrInvalid, err)
		}
	}
	if e.UCID != "" {
		if _, err := callkey.UCID(e.UCID); err != nil {
			return fmt.Errorf("%w: ucid: %w", ErrInvalid, err)
		}
	}
	if len(e.UUI) > 2*callkey.MaxValueLen || len(e.AgentID) > callkey.MaxValueLen {
		return fmt.Errorf("%w: field too long", ErrInvalid)
	}
	if e.Keys().Len() == 0 {
		return fmt.Errorf("%w: no conversation_id, ucid or uui that identifies a call", ErrInvalid)
	}
	return nil
}

// Keys returns the canonical match keys the event carries.
func (e *Event) Keys() callkey.Set {
	var s callkey.Set
	if k, err := callkey.Conversation(e.ConversationID); err == nil {
		s.Add(k)
	}
	if k, err := callkey.UCID(e.UCID); err == nil {
		s.Add(k)
	}
	for _, k := range callkey.FromUUI(e.UUI) {
		s.Add(k)
	}
	return s
}

// Decode reads one event strictly: unknown fields and trailing data are
// errors, and the event must validate. A missing "at" is set to now.
func Decode(r io.Reader, now func() time.Time) (Event, error) {
	dec := json.NewDecoder(io.LimitReader(r, MaxEventSize+1))
	dec.DisallowUnknownFields()
	var e Event
	if err := dec.Decode(&e); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("%w: trailing data after the event", ErrInvalid)
	}
	if e.At.IsZero() {
		e.At = now()
	}
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}
