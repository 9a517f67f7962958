package control

import "errors"

var (
	// ErrConfig is returned by New for an invalid Config; the message says
	// which field and why.
	ErrConfig = errors.New("control: invalid config")
	// ErrMalformed is wrapped by every message that is not valid JSON of
	// this protocol: bad envelope, unknown field, payload that does not
	// validate. A CTI event that fails cti.Event.Validate also wraps
	// cti.ErrInvalid.
	ErrMalformed = errors.New("control: malformed message")
	// ErrVersion is returned for a message of another protocol version.
	ErrVersion = errors.New("control: unsupported protocol version")
	// ErrTooLarge is returned for a message over its size limit
	// (MaxMessageSize, or MaxHelloSize for a hello).
	ErrTooLarge = errors.New("control: message too large")
	// ErrUnknownType is returned, with the message's type and id, for a
	// type this version does not know. Receivers tolerate it.
	ErrUnknownType = errors.New("control: unknown message type")
	// ErrStarted is returned by a second call to Client.Run.
	ErrStarted = errors.New("control: client already running")
	// ErrNotReady is wrapped by Client.Ready when the channel has been down
	// longer than its grace.
	ErrNotReady = errors.New("control: channel down")
)
