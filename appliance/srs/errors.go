package srs

import "errors"

var (
	// ErrClosed is returned by operations on a closed server.
	ErrClosed = errors.New("srs: closed")
	// ErrNoListeners is returned by New when the config has no listen spec.
	ErrNoListeners = errors.New("srs: no listen address")
	// ErrDialogGone is returned when a request is sent on an ended dialog.
	ErrDialogGone = errors.New("srs: dialog ended")
	// ErrNoAck is returned when the SBC never acknowledged our 2xx.
	ErrNoAck = errors.New("srs: no ACK for 2xx")
	// ErrRejected wraps a non-2xx final response to one of our requests.
	ErrRejected = errors.New("srs: request rejected")
	// ErrGlare is returned when our re-INVITE kept meeting 491 Request Pending.
	ErrGlare = errors.New("srs: re-INVITE glare persisted")
	// ErrOverCapacity is returned when a dialog would exceed MaxSessions.
	ErrOverCapacity = errors.New("srs: at max sessions")
)
