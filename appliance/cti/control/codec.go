package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// envelope is the JSON object every message is.
type envelope struct {
	V    int             `json:"v"`
	Type Type            `json:"type"`
	ID   string          `json:"id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Marshal encodes m. It checks m as Unmarshal would, so that a side never
// sends what the other refuses.
func Marshal(m Message) ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	env := envelope{V: Version, Type: m.Type, ID: m.ID}
	var payload any
	switch m.Type {
	case TypeHello:
		payload = m.Hello
	case TypeSession:
		payload = m.Session
	case TypeCTI:
		payload = m.CTI
	case TypeAck:
		payload = m.Ack
	}
	if payload != nil {
		data, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("control: marshal %s: %w", m.Type, err)
		}
		env.Data = data
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("control: marshal %s: %w", m.Type, err)
	}
	if limit := sizeLimit(m.Type); len(b) > limit {
		return nil, fmt.Errorf("%w: %s of %d bytes (at most %d)", ErrTooLarge, m.Type, len(b), limit)
	}
	return b, nil
}

// Unmarshal decodes one message strictly. For a message whose envelope
// decoded, the returned Message has Type and ID set even on error, so that
// a receiver can ack an invalid CTI event or count an unknown type
// (ErrUnknownType). A CTI event without "at" gets the time of decoding.
func Unmarshal(b []byte) (Message, error) {
	if len(b) > MaxHelloSize {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(b))
	}
	var env envelope
	if err := decodeStrict(b, &env); err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if env.V != Version {
		return Message{}, fmt.Errorf("%w: v %d (want %d)", ErrVersion, env.V, Version)
	}
	m := Message{Type: env.Type, ID: env.ID}
	if _, known := sizeLimits[env.Type]; !known {
		if env.Type == "" {
			return m, fmt.Errorf("%w: no type", ErrMalformed)
		}
		return m, fmt.Errorf("%w: %.64q", ErrUnknownType, env.Type)
	}
	if limit := sizeLimit(env.Type); len(b) > limit {
		return m, fmt.Errorf("%w: %s of %d bytes (at most %d)", ErrTooLarge, env.Type, len(b), limit)
	}
	if err := m.decodeData(env.Data); err != nil {
		return m, err
	}
	if err := m.validate(); err != nil {
		return m, err
	}
	return m, nil
}

// sizeLimits are the known types and their size limits.
var sizeLimits = map[Type]int{
	TypeHello: MaxHelloSize, TypeSession: MaxMessageSize, TypePing: MaxMessageSize,
	TypePong: MaxMessageSize, TypeCTI: MaxMessageSize, TypeAck: MaxMessageSize,
}

func sizeLimit(t Type) int {
	if n, ok := sizeLimits[t]; ok {
		return n
	}
	return MaxMessageSize
}

// decodeData decodes the payload of a known type.
func (m *Message) decodeData(data json.RawMessage) error {
	var err error
	switch m.Type {
	case TypeHello:
		m.Hello = new(Hello)
		err = decodeStrict(data, m.Hello)
	case TypeSession:
		m.Session = new(Session)
		err = decodeStrict(data, m.Session)
	case TypeAck:
		m.Ack = new(Ack)
		err = decodeStrict(data, m.Ack)
	case TypeCTI:
		if len(data) == 0 {
			return fmt.Errorf("%w: cti: %w: no event", ErrMalformed, cti.ErrInvalid)
		}
		ev, derr := cti.Decode(bytes.NewReader(data), time.Now)
		if derr != nil {
			return fmt.Errorf("%w: cti: %w", ErrMalformed, derr)
		}
		m.CTI = &ev
		return nil
	case TypePing, TypePong:
		if len(data) > 0 && decodeStrict(data, &struct{}{}) != nil {
			return fmt.Errorf("%w: %s carries no data", ErrMalformed, m.Type)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, m.Type, err)
	}
	return nil
}

// decodeStrict decodes exactly one JSON value into v: unknown fields and
// trailing data are errors.
func decodeStrict(b []byte, v any) error {
	if len(b) == 0 {
		return errors.New("no data")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// validate checks that m has the id and the one payload its type wants,
// and that the payload is sound.
func (m *Message) validate() error {
	payloads := 0
	for _, set := range []bool{m.Hello != nil, m.Session != nil, m.CTI != nil, m.Ack != nil} {
		if set {
			payloads++
		}
	}
	want := map[Type]bool{TypeHello: m.Hello != nil, TypeSession: m.Session != nil,
		TypeCTI: m.CTI != nil, TypeAck: m.Ack != nil, TypePing: true, TypePong: true}
	ok, known := want[m.Type]
	switch {
	case !known:
		return fmt.Errorf("%w: %.64q", ErrUnknownType, m.Type)
	case !ok || payloads > 1 || (payloads == 1 && (m.Type == TypePing || m.Type == TypePong)):
		return fmt.Errorf("%w: %s: wrong payload", ErrMalformed, m.Type)
	}
	needID := m.Type == TypePing || m.Type == TypePong || m.Type == TypeCTI || m.Type == TypeAck
	switch {
	case needID && m.ID == "":
		return fmt.Errorf("%w: %s without an id", ErrMalformed, m.Type)
	case !needID && m.ID != "":
		return fmt.Errorf("%w: %s takes no id", ErrMalformed, m.Type)
	case !printable(m.ID, maxIDLen):
		return fmt.Errorf("%w: id: want at most %d printable characters", ErrMalformed, maxIDLen)
	}
	var err error
	switch m.Type {
	case TypeHello:
		err = m.Hello.validate()
	case TypeSession:
		err = m.Session.validate()
	case TypeCTI:
		if verr := m.CTI.Validate(); verr != nil {
			err = fmt.Errorf("cti: %w", verr)
		}
	case TypeAck:
		err = m.Ack.validate()
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, m.Type, err)
	}
	return nil
}

func (h *Hello) validate() error {
	if h.ApplianceID == "" || !printable(h.ApplianceID, maxApplianceIDLen) {
		return fmt.Errorf("appliance_id: want 1 to %d printable characters", maxApplianceIDLen)
	}
	if !printable(h.Version, maxVersionLen) {
		return fmt.Errorf("version: want at most %d printable characters", maxVersionLen)
	}
	for i := range h.Sessions {
		if err := h.Sessions[i].validate(); err != nil {
			return fmt.Errorf("sessions[%d]: %w", i, err)
		}
	}
	return nil
}

func (s *Session) validate() error {
	if s.ID == "" || !printable(s.ID, maxIDLen) {
		return fmt.Errorf("id: want 1 to %d printable characters", maxIDLen)
	}
	switch s.State {
	case gate.StatePending, gate.StateActive, gate.StateHeld, gate.StateUnmatched, gate.StateEnded:
	default:
		return fmt.Errorf("state %.32q: want pending|active|held|unmatched|ended", s.State)
	}
	return nil
}

func (a *Ack) validate() error {
	switch a.Outcome {
	case OutcomeMatched, OutcomeIgnored, OutcomeCached, OutcomeInvalid, OutcomeError:
	default:
		return fmt.Errorf("outcome %.32q: want matched|ignored|cached|invalid|error", a.Outcome)
	}
	if len(a.Applied)+len(a.Ignored) > maxAckSessions {
		return fmt.Errorf("more than %d sessions", maxAckSessions)
	}
	for _, id := range append(a.Applied[:len(a.Applied):len(a.Applied)], a.Ignored...) {
		if id == "" || !printable(id, maxIDLen) {
			return fmt.Errorf("session id: want 1 to %d printable characters", maxIDLen)
		}
	}
	if len(a.Error) > maxErrorLen {
		return fmt.Errorf("error: more than %d bytes", maxErrorLen)
	}
	return nil
}

// printable reports whether s has at most n bytes and no control characters.
func printable(s string, n int) bool {
	return len(s) <= n && !strings.ContainsFunc(s, unicode.IsControl)
}
