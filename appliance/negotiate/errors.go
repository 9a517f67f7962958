package negotiate

import "errors"

// Sentinel errors. Their text has no package prefix because every error this
// package returns wraps one of them as "negotiate: <op>: <sentinel>: <detail>";
// match them with errors.Is.
var (
	// ErrNotSDP is returned for a body that does not start with "v=0".
	ErrNotSDP = errors.New("not an SDP body")
	// ErrTooLarge is returned for a body larger than MaxSize.
	ErrTooLarge = errors.New("SDP too large")
	// ErrNoMedia is returned for an SDP without any m= line.
	ErrNoMedia = errors.New("no m= line")
	// ErrTooManyMedia is returned for an SDP with more than MaxMedia m= lines.
	ErrTooManyMedia = errors.New("too many m= lines")
	// ErrBadMedia is returned for an m= line without media, port and proto.
	ErrBadMedia = errors.New("malformed m= line")
	// ErrBadPort is returned for an m= port that is not a number in 0-65535.
	ErrBadPort = errors.New("bad port")
	// ErrBadConnection is returned for a c= line that is not "IN IP4|IP6 <address>".
	ErrBadConnection = errors.New("malformed c= line")
	// ErrBadAddress is returned for a c= address that is neither an IP
	// literal of the stated family nor a host name.
	ErrBadAddress = errors.New("bad connection address")

	// ErrNoLocal is returned when an answer or offer is built without a Local.
	ErrNoLocal = errors.New("no local origin")
	// ErrBadLocalAddress is returned by NewLocal for an invalid or
	// unspecified media address.
	ErrBadLocalAddress = errors.New("bad local media address")
	// ErrMissingPort is returned when an accepted stream has no local port
	// to answer with.
	ErrMissingPort = errors.New("no local port for an accepted stream")
	// ErrBadLocalPort is returned for a local port outside 1-65535.
	ErrBadLocalPort = errors.New("bad local port")
	// ErrMediaRemoved is returned for a re-offer with fewer m= lines than
	// the session: RFC 3264 section 8 forbids it and positions could no
	// longer be kept stable.
	ErrMediaRemoved = errors.New("re-offer removes m= lines")
	// ErrAnswerMismatch is returned for an answer whose m= lines do not
	// match our offer in number or media type.
	ErrAnswerMismatch = errors.New("answer does not match the offer")
	// ErrBadPolicy is returned by ParseSRTPPolicy for an unknown name.
	ErrBadPolicy = errors.New("unknown SRTP policy")
)
