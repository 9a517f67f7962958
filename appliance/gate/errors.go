package gate

import "errors"

var (
	// ErrClosed is returned by every call on a gate after Close.
	ErrClosed = errors.New("gate: closed")
	// ErrDraining is returned by Offer once Drain has started: the SIP side
	// answers 503 so the SBC hunts to another recorder.
	ErrDraining = errors.New("gate: draining")
	// ErrDuplicateSession is returned by Offer for an id that is already registered.
	ErrDuplicateSession = errors.New("gate: duplicate session id")
	// ErrInvalidSession is returned by Offer for an empty id or a nil Leg.
	ErrInvalidSession = errors.New("gate: invalid session")
	// ErrConfig is wrapped by every configuration validation failure.
	ErrConfig = errors.New("gate: invalid config")
	// ErrRunning is returned by a second concurrent Run.
	ErrRunning = errors.New("gate: already running")
)
