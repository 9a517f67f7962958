package genesyssim

import "errors"

var (
	// ErrConfig is returned by New for an invalid Config.
	ErrConfig = errors.New("genesyssim: invalid config")
	// ErrUnknownUser is returned for an agent that is not a user.
	ErrUnknownUser = errors.New("genesyssim: unknown user")
	// ErrUnknownConversation is returned for a conversation the
	// simulator does not have.
	ErrUnknownConversation = errors.New("genesyssim: unknown conversation")
	// ErrCallState is returned for an operation the call's state does not
	// allow (hold a call with no connected agent, transfer to the same
	// agent, place a call with an id already in use).
	ErrCallState = errors.New("genesyssim: not possible in the call's state")
	// ErrUnknownChannel is returned for a channel that does not exist.
	ErrUnknownChannel = errors.New("genesyssim: unknown channel")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("genesyssim: closed")
)
