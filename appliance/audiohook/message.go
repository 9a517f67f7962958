package audiohook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Version is the protocol version every message carries.
const Version = "2"

// MaxTextMessage caps a text (JSON) frame in either direction: 64 KiB.
const MaxTextMessage = 64 << 10

// Type is a message type.
type Type string

// Message types of AudioHook v2. The comment names the side that sends it.
const (
	TypeOpen       Type = "open"       // client: starts the session, offers media
	TypeOpened     Type = "opened"     // server: answers open, selects media
	TypePing       Type = "ping"       // client: keepalive and RTT, every 5 s
	TypePong       Type = "pong"       // server: answers ping
	TypePause      Type = "pause"      // server: asks the client to stop audio
	TypePaused     Type = "paused"     // client: audio is stopped (asked or not)
	TypeResume     Type = "resume"     // server: asks the client to restart audio
	TypeResumed    Type = "resumed"    // client: audio restarts; says what was skipped
	TypeUpdate     Type = "update"     // client: session parameters changed (language)
	TypeUpdated    Type = "updated"    // server: acknowledges update (optional)
	TypeDiscarded  Type = "discarded"  // client: audio it could not send
	TypeClose      Type = "close"      // client: ends the session
	TypeClosed     Type = "closed"     // server: answers close
	TypeError      Type = "error"      // client: reports an error with a code
	TypeDisconnect Type = "disconnect" // server: asks the client to close
	TypeEvent      Type = "event"      // server: event entities for the client
	TypeReconnect  Type = "reconnect"  // server: asks for a continued session on a new connection
)

// Role is a side of a session.
type Role string

// Roles.
const (
	RoleClient Role = "client"
	RoleServer Role = "server"
)

// Sender returns the side that sends messages of type t, and false for an
// unknown type.
func Sender(t Type) (Role, bool) {
	switch t {
	case TypeOpen, TypePing, TypePaused, TypeResumed, TypeUpdate, TypeDiscarded, TypeClose, TypeError:
		return RoleClient, true
	case TypeOpened, TypePong, TypePause, TypeResume, TypeUpdated, TypeClosed, TypeDisconnect, TypeEvent, TypeReconnect:
		return RoleServer, true
	}
	return "", false
}

// Message is one AudioHook text message. Client messages carry ServerSeq
// (the last server seq processed) and Position (the client's stream
// position); server messages carry ClientSeq. Params holds the type's
// parameters as a pointer: *OpenParameters, *OpenedParameters,
// *PingParameters, *ResumedParameters, *DiscardedParameters,
// *UpdateParameters, *CloseParameters, *ErrorParameters,
// *DisconnectParameters, *EventParameters, *ReconnectParameters, or *Empty
// for pause, paused, resume, pong, updated and closed.
type Message struct {
	Version   string
	ID        string // session UUID
	Type      Type
	Seq       int64 // 1 for each side's first message, then +1
	ClientSeq int64
	ServerSeq int64
	Position  Duration
	Params    Params
}

// maxSeq is the largest sequence number: JSON numbers are exact to 2^53-1.
const maxSeq = 1<<53 - 1

type wireOut struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	Type       Type      `json:"type"`
	Seq        int64     `json:"seq"`
	ClientSeq  *int64    `json:"clientseq,omitempty"`
	ServerSeq  *int64    `json:"serverseq,omitempty"`
	Position   *Duration `json:"position,omitempty"`
	Parameters Params    `json:"parameters"`
}

// Marshal encodes m after validating it as Unmarshal would; it refuses an
// encoding over MaxTextMessage with ErrTooLarge. An empty Version is sent
// as "2" and nil Params as the type's empty parameters.
func Marshal(msg *Message) ([]byte, error) {
	m := *msg
	if m.Version == "" {
		m.Version = Version
	}
	p := m.Params
	if p == nil {
		p = emptyParamsFor(m.Type)
	}
	if err := validateEnvelope(&m, p); err != nil {
		return nil, err
	}
	w := wireOut{Version: m.Version, ID: m.ID, Type: m.Type, Seq: m.Seq, Parameters: p}
	if role, _ := Sender(m.Type); role == RoleClient {
		w.ServerSeq, w.Position = &m.ServerSeq, &m.Position
	} else {
		w.ClientSeq = &m.ClientSeq
	}
	b, err := json.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadParameters, m.Type, err)
	}
	if len(b) > MaxTextMessage {
		return nil, fmt.Errorf("%w: %s message of %d bytes", ErrTooLarge, m.Type, len(b))
	}
	return b, nil
}

// validateEnvelope checks what Marshal sends.
func validateEnvelope(m *Message, p Params) error {
	role, ok := Sender(m.Type)
	switch {
	case m.Version != Version:
		return fmt.Errorf("%w: %q", ErrVersion, truncate(m.Version))
	case !ok:
		return fmt.Errorf("%w: %q", ErrUnknownType, truncate(string(m.Type)))
	case m.ID == "":
		return ErrMissingID
	case !IsUUID(m.ID):
		return fmt.Errorf("%w: id %q", ErrBadID, truncate(m.ID))
	case m.Seq < 1 || m.Seq > maxSeq || m.ClientSeq < 0 || m.ClientSeq > maxSeq || m.ServerSeq < 0 || m.ServerSeq > maxSeq:
		return fmt.Errorf("%w: seq %d clientseq %d serverseq %d", ErrBadSeq, m.Seq, m.ClientSeq, m.ServerSeq)
	case role == RoleClient && m.Position < 0:
		return fmt.Errorf("%w: negative", ErrBadPosition)
	case !paramsFit(m.Type, p):
		return fmt.Errorf("%w: %T for a %s message", ErrBadParameters, p, m.Type)
	}
	if err := p.validate(); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrBadParameters, m.Type, err)
	}
	return nil
}

type wireIn struct {
	Version    json.RawMessage `json:"version"`
	ID         json.RawMessage `json:"id"`
	Type       json.RawMessage `json:"type"`
	Seq        json.RawMessage `json:"seq"`
	ClientSeq  json.RawMessage `json:"clientseq"`
	ServerSeq  json.RawMessage `json:"serverseq"`
	Position   json.RawMessage `json:"position"`
	Parameters json.RawMessage `json:"parameters"`
}

// Unmarshal decodes and validates one text frame: size, JSON, version "2",
// a known type, a UUID id, seq ≥ 1, the acknowledgement and position of the
// sender's side, and the type's parameters. Unknown fields are ignored, as
// the protocol may add them. Errors wrap the sentinels of errors.go.
func Unmarshal(data []byte) (*Message, error) {
	if len(data) > MaxTextMessage {
		return nil, fmt.Errorf("%w: text message of %d bytes", ErrTooLarge, len(data))
	}
	var w wireIn
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	m := &Message{}
	var err error
	if m.Version, err = jsonString(w.Version); err != nil || m.Version != Version {
		return nil, fmt.Errorf("%w: version %s", ErrVersion, truncate(string(w.Version)))
	}
	t, err := jsonString(w.Type)
	if err != nil {
		return nil, fmt.Errorf("%w: type %s", ErrUnknownType, truncate(string(w.Type)))
	}
	m.Type = Type(t)
	role, ok := Sender(m.Type)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, truncate(t))
	}
	if w.ID == nil {
		return nil, ErrMissingID
	}
	if m.ID, err = jsonString(w.ID); err != nil || !IsUUID(m.ID) {
		return nil, fmt.Errorf("%w: id %s", ErrBadID, truncate(string(w.ID)))
	}
	if m.Seq, err = parseSeq(w.Seq, "seq", 1); err != nil {
		return nil, err
	}
	if role == RoleClient {
		if m.ServerSeq, err = parseSeq(w.ServerSeq, "serverseq", 0); err != nil {
			return nil, err
		}
		pos, err := jsonString(w.Position)
		if err != nil {
			return nil, fmt.Errorf("%w: %s", ErrBadPosition, truncate(string(w.Position)))
		}
		if m.Position, err = ParseDuration(pos); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadPosition, err)
		}
	} else if m.ClientSeq, err = parseSeq(w.ClientSeq, "clientseq", 0); err != nil {
		return nil, err
	}
	if m.Params, err = decodeParams(m.Type, w.Parameters); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadParameters, m.Type, err)
	}
	return m, nil
}

// parseSeq accepts a JSON integer literal in [min, 2^53-1].
func parseSeq(raw json.RawMessage, name string, min int64) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !allDigits(string(raw)) || (len(raw) > 1 && raw[0] == '0') {
		return 0, fmt.Errorf("%w: %s %s", ErrBadSeq, name, truncate(string(raw)))
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < min || v > maxSeq {
		return 0, fmt.Errorf("%w: %s %s", ErrBadSeq, name, truncate(string(raw)))
	}
	return v, nil
}

var errNotString = errors.New("not a JSON string")

// jsonString decodes a JSON string (not null, not another type).
func jsonString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", errNotString
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}
