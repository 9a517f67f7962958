package admin

import "errors"

var (
	// ErrConfig is wrapped by every New validation failure.
	ErrConfig = errors.New("admin: invalid config")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("admin: already started")
	// ErrClosed is returned by Start after Close.
	ErrClosed = errors.New("admin: closed")
)
