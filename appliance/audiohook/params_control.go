package audiohook

import (
	"encoding/json"
	"fmt"
)

// CloseReason is why the client closes.
type CloseReason string

// Close reasons.
const (
	CloseEnd        CloseReason = "end"        // the conversation (or the stream) ended
	CloseError      CloseReason = "error"      // after an error the client reported
	CloseDisconnect CloseReason = "disconnect" // the server sent disconnect
	CloseReconnect  CloseReason = "reconnect"  // a continued session took over
)

// CloseParameters are close's parameters.
type CloseParameters struct {
	Reason CloseReason `json:"reason"`
}

func (p *CloseParameters) validate() error {
	switch p.Reason {
	case CloseEnd, CloseError, CloseDisconnect, CloseReconnect:
		return nil
	}
	return fmt.Errorf("reason %q: want end, error, disconnect or reconnect", truncate(string(p.Reason)))
}

// ErrorParameters are error's parameters: an AudioHook code (HTTP status
// semantics, the Code constants), a message, and for 429 how long the
// server must hold off.
type ErrorParameters struct {
	Code       int      `json:"code"`
	Message    string   `json:"message"`
	RetryAfter Duration `json:"retryAfter,omitzero"`
}

func (p *ErrorParameters) validate() error {
	if p.Code < 400 || p.Code > 9999 {
		return fmt.Errorf("code %d: want 400-9999", p.Code)
	}
	return nonNegative("retryAfter", p.RetryAfter)
}

// DisconnectReason is why the server asks the client to close.
type DisconnectReason string

// Disconnect reasons.
const (
	DisconnectCompleted    DisconnectReason = "completed"
	DisconnectUnauthorized DisconnectReason = "unauthorized"
	DisconnectError        DisconnectReason = "error"
)

// DisconnectParameters are disconnect's parameters. OutputVariables is the
// JSON object some Genesys integrations (Audio Connector) return to the
// flow; AudioHook Monitor ignores it.
type DisconnectParameters struct {
	Reason          DisconnectReason `json:"reason"`
	Info            string           `json:"info,omitempty"`
	OutputVariables json.RawMessage  `json:"outputVariables,omitempty"`
}

func (p *DisconnectParameters) validate() error {
	switch p.Reason {
	case DisconnectCompleted, DisconnectUnauthorized, DisconnectError:
	default:
		return fmt.Errorf("reason %q: want completed, unauthorized or error", truncate(string(p.Reason)))
	}
	if p.OutputVariables != nil {
		if _, err := asObject(p.OutputVariables); err != nil {
			return fmt.Errorf("outputVariables: %w", err)
		}
	}
	return nil
}

// EventEntity is one entity of an event: a type and its JSON data.
type EventEntity struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// EventParameters are event's parameters.
type EventParameters struct {
	Entities []EventEntity `json:"entities"`
}

func (p *EventParameters) validate() error {
	if p.Entities == nil {
		return fmt.Errorf("entities: missing")
	}
	for i, e := range p.Entities {
		if e.Type == "" || len(e.Data) == 0 || !json.Valid(e.Data) {
			return fmt.Errorf("entities[%d]: want a type and JSON data", i)
		}
	}
	return nil
}

// ReconnectParameters are reconnect's parameters.
type ReconnectParameters struct {
	Info string `json:"info,omitempty"`
}

func (*ReconnectParameters) validate() error { return nil }

// emptyParamsFor returns the zero parameters of a type, for Marshal of a
// message built without them.
func emptyParamsFor(t Type) Params {
	switch t {
	case TypePing:
		return &PingParameters{}
	case TypeReconnect:
		return &ReconnectParameters{}
	}
	return &Empty{}
}

// paramsFit reports whether p is the parameter type of t.
func paramsFit(t Type, p Params) bool {
	switch p.(type) {
	case *Empty:
		return t == TypePause || t == TypePaused || t == TypeResume || t == TypePong || t == TypeUpdated || t == TypeClosed
	case *OpenParameters:
		return t == TypeOpen
	case *OpenedParameters:
		return t == TypeOpened
	case *PingParameters:
		return t == TypePing
	case *ResumedParameters:
		return t == TypeResumed
	case *DiscardedParameters:
		return t == TypeDiscarded
	case *UpdateParameters:
		return t == TypeUpdate
	case *CloseParameters:
		return t == TypeClose
	case *ErrorParameters:
		return t == TypeError
	case *DisconnectParameters:
		return t == TypeDisconnect
	case *EventParameters:
		return t == TypeEvent
	case *ReconnectParameters:
		return t == TypeReconnect
	}
	return false
}
