package media

import "errors"

var (
	// ErrPortsExhausted is returned when the port pool cannot supply the
	// ports asked for; the SIP layer answers 503.
	ErrPortsExhausted = errors.New("media: ports exhausted")
	// ErrPortNotAllocated is returned by AddStream for a port that is not
	// leased from the engine's pool, or whose socket was already taken.
	ErrPortNotAllocated = errors.New("media: port not allocated from the pool")
	// ErrConfig is returned by NewEngine and NewPortPool for an invalid
	// configuration.
	ErrConfig = errors.New("media: invalid config")
	// ErrParams is returned by AddStream and Update for invalid stream
	// parameters.
	ErrParams = errors.New("media: invalid stream params")
	// ErrSessionClosed is returned by Session methods after Close.
	ErrSessionClosed = errors.New("media: session closed")
	// ErrEngineClosed is returned by Engine.Start after Close.
	ErrEngineClosed = errors.New("media: engine closed")
	// ErrTooManyStreams is returned by AddStream beyond MaxStreams.
	ErrTooManyStreams = errors.New("media: too many streams in session")
)
