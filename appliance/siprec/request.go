package siprec

import (
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// Recording is what one SIPREC INVITE, re-INVITE or UPDATE carries.
type Recording struct {
	// Body is the split body; nil when the body could not be split.
	Body *Body
	// Metadata is the parsed (or salvaged) metadata; nil when the request
	// has none, or it was hostile.
	Metadata *Metadata
	// Keys are HeaderKeys(req) followed by Metadata.Keys().
	Keys callkey.Set
}

// Parse reads one SIPREC request: it splits the body, parses the metadata
// and gathers the keys of headers and metadata. It always returns a
// Recording, holding at least the header keys, so a caller can log which call
// failed.
//
// How to treat the error (several may be joined; test with errors.Is):
//   - ErrMalformedMetadata: keep the call; Metadata holds what was salvaged.
//   - ErrNoSDP: fine for an UPDATE or an offerless re-INVITE; an initial
//     INVITE without SDP cannot be answered.
//   - ErrHostileMetadata, ErrBodyTooLarge, ErrContentType, ErrNoBoundary,
//     ErrTruncatedBody, ErrMalformedBody: refuse the request.
func Parse(req *sip.Request) (*Recording, error) {
	if req == nil {
		return &Recording{}, fmt.Errorf("siprec: parse: %w: nil request", ErrContentType)
	}
	rec := &Recording{Keys: HeaderKeys(req)}
	body, err := SplitBody(requestContentType(req), req.Body())
	rec.Body = body
	if body == nil || body.Metadata == nil {
		return rec, err
	}
	md, mdErr := ParseMetadata(body.Metadata)
	rec.Metadata = md
	rec.Keys.AddAll(md.Keys())
	return rec, errors.Join(err, mdErr)
}

// requestContentType returns the request's Content-Type value. It walks the
// header list instead of calling req.ContentType(), which caches a lazily
// parsed header inside the request and so would make Parse a writer.
func requestContentType(req *sip.Request) string {
	for _, h := range req.Headers() {
		if h != nil && (equalFold(h.Name(), "Content-Type") || equalFold(h.Name(), "c")) {
			return h.Value()
		}
	}
	return ""
}
