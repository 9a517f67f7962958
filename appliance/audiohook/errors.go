package audiohook

import (
	"errors"
	"fmt"
	"time"
)

// Message errors: Unmarshal wraps one of these (with the field at fault),
// Marshal returns them for a message it refuses to send.
var (
	// ErrMalformed is a text frame that is not one JSON object.
	ErrMalformed = errors.New("audiohook: malformed message")
	// ErrTooLarge is a text frame over MaxTextMessage bytes (or a binary
	// frame over MaxAudioMessage).
	ErrTooLarge = errors.New("audiohook: message too large")
	// ErrVersion is a version other than "2".
	ErrVersion = errors.New("audiohook: unsupported protocol version")
	// ErrUnknownType is a type that AudioHook v2 does not define.
	ErrUnknownType = errors.New("audiohook: unknown message type")
	// ErrWrongDirection is a known type sent by the side that never sends it
	// (a client sending "opened", a server sending "ping").
	ErrWrongDirection = errors.New("audiohook: message type not sent by this side")
	// ErrMissingID is a message without "id".
	ErrMissingID = errors.New("audiohook: missing session id")
	// ErrBadID is an "id" (or another UUID field) that is not a UUID.
	ErrBadID = errors.New("audiohook: not a UUID")
	// ErrBadSeq is a missing or malformed seq, clientseq or serverseq.
	ErrBadSeq = errors.New("audiohook: bad sequence number")
	// ErrBadPosition is a missing or malformed position.
	ErrBadPosition = errors.New("audiohook: bad position")
	// ErrBadDuration is a string that is not an ISO 8601 "PT<seconds>S" duration.
	ErrBadDuration = errors.New("audiohook: bad duration")
	// ErrBadParameters is a parameters object that does not fit its type.
	ErrBadParameters = errors.New("audiohook: bad parameters")
)

// Session errors.
var (
	// ErrSequence is a seq that is not the previous one plus one, or an
	// acknowledgement (clientseq, serverseq) of a message never sent.
	ErrSequence = errors.New("audiohook: sequence violation")
	// ErrState is a message or audio that the session state does not allow
	// (audio while paused, a second open, closed without close).
	ErrState = errors.New("audiohook: not valid in the session state")
	// ErrWrongSession is a message whose id is not the session's.
	ErrWrongSession = errors.New("audiohook: message for another session")
	// ErrTimeout is a protocol deadline missed by the peer: opened (5 s),
	// pong (before the next ping), closed (10 s), or the application's
	// open decision.
	ErrTimeout = errors.New("audiohook: protocol timeout")
	// ErrAudioFormat is a binary frame that is not whole samples of the
	// selected media, or audio with no media selected.
	ErrAudioFormat = errors.New("audiohook: audio does not match the selected media")
	// ErrNoMedia is an open offering no media format this side supports.
	ErrNoMedia = errors.New("audiohook: no supported media format offered")
	// ErrClosed is returned by calls on a session that has ended.
	ErrClosed = errors.New("audiohook: session closed")
	// ErrConnectionLost is a WebSocket that failed or closed before the
	// close transaction completed.
	ErrConnectionLost = errors.New("audiohook: connection lost")
	// ErrDisconnected is wrapped by DisconnectedError.
	ErrDisconnected = errors.New("audiohook: disconnected by the server")
	// ErrUnauthorized is an open the server refused as unauthorized.
	ErrUnauthorized = errors.New("audiohook: unauthorized")
	// ErrUnavailable is an open the application cannot take now (the
	// server answers disconnect with code 503 in the info).
	ErrUnavailable = errors.New("audiohook: service unavailable")
	// ErrRejected is an HTTP upgrade the server answered with a status other than 101.
	ErrRejected = errors.New("audiohook: upgrade refused")
	// ErrRateLimited is returned by ServerSession.SendEvent while the client's
	// 429 retryAfter runs.
	ErrRateLimited = errors.New("audiohook: rate limited by the client")
	// ErrDraining is returned for sessions refused while the server shuts down.
	ErrDraining = errors.New("audiohook: server draining")
)

// Upgrade and signature errors. Every signature failure wraps ErrSignature;
// SignatureFailureReason names it for the metric.
var (
	// ErrBadHeaders is an upgrade without valid Audiohook-Organization-Id,
	// Audiohook-Session-Id and Audiohook-Correlation-Id (UUIDs); HTTP 400.
	ErrBadHeaders = errors.New("audiohook: missing or invalid Audiohook headers")
	// ErrSignature is wrapped by every signature failure; HTTP 401.
	ErrSignature = errors.New("audiohook: signature verification failed")

	// ErrMissingAPIKey is an upgrade without X-API-KEY.
	ErrMissingAPIKey = fmt.Errorf("%w: no X-API-KEY", ErrSignature)
	// ErrUnsigned is an unsigned upgrade for an API key that has a secret.
	ErrUnsigned = fmt.Errorf("%w: unsigned request for a key with a secret", ErrSignature)
	// ErrSignatureSyntax is a Signature or Signature-Input header that does
	// not parse, or that uses a component or parameter we do not support.
	ErrSignatureSyntax = fmt.Errorf("%w: malformed Signature or Signature-Input", ErrSignature)
	// ErrMissingComponent is a signature that does not cover every required
	// component, or a covered header that is absent.
	ErrMissingComponent = fmt.Errorf("%w: a required component is not covered", ErrSignature)
	// ErrKeyIDMismatch is a keyid other than the X-API-KEY.
	ErrKeyIDMismatch = fmt.Errorf("%w: keyid is not the X-API-KEY", ErrSignature)
	// ErrAlgorithm is an alg other than hmac-sha256.
	ErrAlgorithm = fmt.Errorf("%w: algorithm is not hmac-sha256", ErrSignature)
	// ErrExpired is a signature older than the maximum age, or past expires.
	ErrExpired = fmt.Errorf("%w: expired", ErrSignature)
	// ErrCreatedInFuture is a created beyond the allowed clock skew.
	ErrCreatedInFuture = fmt.Errorf("%w: created in the future", ErrSignature)
	// ErrNonceTooShort is a nonce that is missing or under 22 characters.
	ErrNonceTooShort = fmt.Errorf("%w: nonce missing or shorter than 22 characters", ErrSignature)
	// ErrNonceReused is a nonce already accepted within its lifetime.
	ErrNonceReused = fmt.Errorf("%w: nonce reused", ErrSignature)
	// ErrReplayCacheFull is a valid signature refused because the replay
	// cache holds its maximum of live nonces.
	ErrReplayCacheFull = fmt.Errorf("%w: replay cache full", ErrSignature)
	// ErrUnknownKey is an X-API-KEY that is not in the credentials.
	ErrUnknownKey = fmt.Errorf("%w: unknown API key", ErrSignature)
	// ErrSignatureMismatch is an HMAC that does not match: a wrong secret or
	// a tampered covered component (the two cannot be told apart).
	ErrSignatureMismatch = fmt.Errorf("%w: signature does not match", ErrSignature)
)

// Credentials errors.
var (
	// ErrCredentials is a credentials file that cannot be used; Reload keeps
	// the previous set.
	ErrCredentials = errors.New("audiohook: bad credentials")
)

// Error codes of the AudioHook "error" message (HTTP status semantics).
const (
	CodeBadRequest          = 400 // malformed message, bad parameters, sequence violation
	CodeMethodNotAllowed    = 405 // message type unknown or not sent by this side
	CodeRequestTimeout      = 408 // opened, pong or closed not received in time
	CodeConflict            = 409 // message not valid in the session state
	CodePayloadTooLarge     = 413 // text frame over 64 KiB
	CodeUnsupportedMedia    = 415 // unexpected or malformed binary frame, no usable media
	CodeTooManyRequests     = 429 // rate limited; retryAfter says for how long
	CodeInternalServerError = 500 // internal error of the sender
	CodeServiceUnavailable  = 503 // cannot serve now
)

// ProtocolError is a protocol violation or failure with the AudioHook error
// code that names it on the wire: the client sends it in an "error"
// message, the server in the info of disconnect{reason:"error"} (AudioHook
// v2 has no server-to-client error message).
type ProtocolError struct {
	Code       int
	Message    string
	RetryAfter time.Duration // only with 429
	Err        error         // the sentinel cause, when there is one
}

// Error returns "audiohook: <code> <message>".
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("audiohook: %d %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *ProtocolError) Unwrap() error { return e.Err }

// protoErr builds a ProtocolError from a cause.
func protoErr(code int, cause error, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// DisconnectedError is how a client session ends when the server sent
// "disconnect". Reason is completed, unauthorized or error.
type DisconnectedError struct {
	Reason          DisconnectReason
	Info            string
	OutputVariables []byte // raw JSON object, if the server sent one
}

// Error describes the disconnect.
func (e *DisconnectedError) Error() string {
	if e.Info == "" {
		return fmt.Sprintf("audiohook: disconnected by the server: %s", e.Reason)
	}
	return fmt.Sprintf("audiohook: disconnected by the server: %s: %s", e.Reason, e.Info)
}

// Unwrap returns ErrDisconnected, and ErrUnauthorized for reason unauthorized.
func (e *DisconnectedError) Unwrap() []error {
	if e.Reason == DisconnectUnauthorized {
		return []error{ErrDisconnected, ErrUnauthorized}
	}
	return []error{ErrDisconnected}
}

// codeOf maps an error to the AudioHook code that reports it.
func codeOf(err error) int {
	var pe *ProtocolError
	switch {
	case errors.As(err, &pe):
		return pe.Code
	case errors.Is(err, ErrTooLarge):
		return CodePayloadTooLarge
	case errors.Is(err, ErrUnknownType), errors.Is(err, ErrWrongDirection):
		return CodeMethodNotAllowed
	case errors.Is(err, ErrState):
		return CodeConflict
	case errors.Is(err, ErrTimeout):
		return CodeRequestTimeout
	case errors.Is(err, ErrAudioFormat), errors.Is(err, ErrNoMedia):
		return CodeUnsupportedMedia
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrDraining):
		return CodeServiceUnavailable
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrVersion), errors.Is(err, ErrMissingID),
		errors.Is(err, ErrBadID), errors.Is(err, ErrBadSeq), errors.Is(err, ErrBadPosition),
		errors.Is(err, ErrBadDuration), errors.Is(err, ErrBadParameters), errors.Is(err, ErrSequence),
		errors.Is(err, ErrWrongSession):
		return CodeBadRequest
	}
	return CodeInternalServerError
}

// asProtocolError returns err as a ProtocolError, deriving the code.
func asProtocolError(err error) *ProtocolError {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe
	}
	return &ProtocolError{Code: codeOf(err), Message: err.Error(), Err: err}
}
