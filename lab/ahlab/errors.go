package ahlab

import "errors"

var (
	// ErrConfig is wrapped by every configuration error.
	ErrConfig = errors.New("ahlab: invalid config")
	// ErrUnknownSession is returned for a session id the ingest never saw.
	ErrUnknownSession = errors.New("ahlab: unknown session")
	// ErrNotLive is returned when a session's connection is already gone.
	ErrNotLive = errors.New("ahlab: session not live")
	// ErrClosed is returned by an ingest after Close.
	ErrClosed = errors.New("ahlab: ingest closed")
)
