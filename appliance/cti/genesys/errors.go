package genesys

import "errors"

var (
	// ErrConfig is returned by New for an invalid Config; the message says
	// which field and why.
	ErrConfig = errors.New("genesys: invalid config")
	// ErrStarted is returned by a second call to Tracker.Run.
	ErrStarted = errors.New("genesys: tracker already running")
	// ErrClosed is returned by Run after Close.
	ErrClosed = errors.New("genesys: tracker closed")
	// ErrAuth is wrapped by every failure to get an OAuth token: a bad
	// client id or secret, or a login service that does not answer.
	ErrAuth = errors.New("genesys: OAuth token")
	// ErrUnauthorized is wrapped by an API call that Genesys answered 401
	// even with a fresh token.
	ErrUnauthorized = errors.New("genesys: unauthorized")
	// ErrForbidden is wrapped by an API call answered 403: the OAuth
	// client's role lacks a permission.
	ErrForbidden = errors.New("genesys: forbidden")
	// ErrNotFound is wrapped by an API call answered 404: the channel or
	// conversation does not exist (any more).
	ErrNotFound = errors.New("genesys: not found")
	// ErrRateLimited is wrapped by an API call still answered 429 after
	// the last retry.
	ErrRateLimited = errors.New("genesys: rate limited")
	// ErrUnavailable is wrapped by an API call that failed with 5xx or a
	// network error after the last retry.
	ErrUnavailable = errors.New("genesys: service unavailable")
	// ErrRequest is wrapped by an API call answered with another 4xx: the
	// request itself is wrong (such as more than 1,000 topics).
	ErrRequest = errors.New("genesys: request refused")
	// ErrTopicRejected is wrapped by a subscription that Genesys refused
	// (state Rejected), with the reason and the missing permissions.
	ErrTopicRejected = errors.New("genesys: topic rejected")
	// ErrTooManyAgents is reported (Status.LastError, the log) when the
	// agents need more than MaxChannels channels: the agents past
	// MaxChannels × MaxTopicsPerChannel are not tracked, because a 21st
	// channel would evict one of the others and lose its events.
	ErrTooManyAgents = errors.New("genesys: too many agents for the notification channel limit")
	// ErrNotReady is wrapped by Tracker.Ready while the tracker cannot
	// deliver events: users not loaded, or a channel down past the grace.
	ErrNotReady = errors.New("genesys: not ready")
	// ErrMalformed is wrapped by a notification or response body that is
	// not the JSON this package expects.
	ErrMalformed = errors.New("genesys: malformed message")
)
