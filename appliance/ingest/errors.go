package ingest

import "errors"

var (
	// ErrConfig is wrapped by configuration errors.
	ErrConfig = errors.New("ingest: invalid config")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("ingest: closed")
)
