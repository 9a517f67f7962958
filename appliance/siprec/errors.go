package siprec

import "errors"

// Sentinel errors. They are always returned wrapped as "siprec: op: …: %w",
// so test them with errors.Is.
var (
	// ErrBodyTooLarge is returned for a body over MaxBodySize or metadata
	// over MaxMetadataSize; the size check comes first so a flood costs nothing.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrNoBoundary is returned for a multipart body whose Content-Type has
	// no usable boundary parameter.
	ErrNoBoundary = errors.New("multipart content type has no boundary")
	// ErrTruncatedBody is returned when the boundary never opens a part, or a
	// part's header section is never terminated by an empty line.
	ErrTruncatedBody = errors.New("multipart body truncated")
	// ErrMalformedBody is returned for a multipart body over the part or
	// part-header limits.
	ErrMalformedBody = errors.New("multipart body malformed")
	// ErrNoSDP is returned when the body carries no SDP. SplitBody still
	// returns the Body, because an UPDATE may legitimately carry metadata only.
	ErrNoSDP = errors.New("body has no SDP part")
	// ErrContentType is returned for a body that is neither SDP, rs-metadata
	// nor multipart.
	ErrContentType = errors.New("unsupported content type")
	// ErrMalformedMetadata is returned with a partial Metadata when the XML
	// does not parse; keys found by pattern are in the partial model. The
	// call must go on.
	ErrMalformedMetadata = errors.New("malformed recording metadata")
	// ErrHostileMetadata is returned, with no Metadata, for XML that carries
	// a DTD or entity declaration or exceeds the size, depth or count limits.
	ErrHostileMetadata = errors.New("hostile recording metadata refused")
)
