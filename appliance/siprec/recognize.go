package siprec

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// IsRecording reports whether req is a SIPREC request (RFC 7866): it has an
// rs-metadata body part, or a Require header carrying the "siprec" option
// tag (tokens may be merged, "Require: 100rel, siprec", any case, several
// headers), or a Contact with the "+sip.src" feature tag, inside the URI
// brackets or as a header parameter (also spelled "sip.src" or "src").
// BroadWorks sends no Require, so the body alone must be enough.
func IsRecording(req *sip.Request) bool {
	if req == nil {
		return false
	}
	var contentType string
	for _, h := range req.Headers() {
		if h == nil {
			continue
		}
		name := h.Name()
		switch {
		case equalFold(name, "Require"):
			if hasOptionTag(h.Value(), "siprec") {
				return true
			}
		case equalFold(name, "Contact"), equalFold(name, "m"):
			if contactHasSrc(h) {
				return true
			}
		case equalFold(name, "Content-Type"), equalFold(name, "c"):
			contentType = h.Value()
		}
	}
	return bodyHasMetadata(contentType, req.Body())
}

// bodyHasMetadata reports whether a body is, or contains, rs-metadata.
func bodyHasMetadata(contentType string, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	b, _ := SplitBody(contentType, body)
	return b != nil && b.Metadata != nil
}

// hasOptionTag reports whether a comma-separated list of option tags
// contains tag, ignoring case and spaces.
func hasOptionTag(list, tag string) bool {
	for v := range strings.SplitSeq(list, ",") {
		if equalFold(strings.TrimSpace(v), tag) {
			return true
		}
	}
	return false
}

// contactHasSrc looks for the SRC feature tag in a Contact. sipgo parses a
// tag inside <…> into Address.UriParams and one after it into Params; a
// Contact built by hand may be a generic header, read as text.
func contactHasSrc(h sip.Header) bool {
	if c, ok := h.(*sip.ContactHeader); ok {
		return paramsHaveSrc(c.Params) || paramsHaveSrc(c.Address.UriParams)
	}
	return textHasSrc(h.Value())
}

// paramsHaveSrc reports whether parsed parameters include the SRC tag.
func paramsHaveSrc(ps sip.HeaderParams) bool {
	for _, kv := range ps {
		if isSrcTag(kv.K) {
			return true
		}
	}
	return false
}

// textHasSrc scans a raw Contact value for the SRC tag as a parameter,
// wherever it sits. Quoted display names are skipped so that a name such as
// "Bob;+sip.src" does not count.
func textHasSrc(v string) bool {
	inQuote := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQuote = !inQuote
		case ';':
			if inQuote {
				continue
			}
			name := v[i+1:]
			if end := strings.IndexAny(name, "=;>,"); end >= 0 {
				name = name[:end]
			}
			if isSrcTag(strings.TrimSpace(name)) {
				return true
			}
		}
	}
	return false
}

// isSrcTag reports whether a parameter name is the SRC feature tag. RFC 7866
// spells it "+sip.src"; some SRCs drop the "+" or the "sip." tree.
func isSrcTag(name string) bool {
	return equalFold(name, "+sip.src") || equalFold(name, "sip.src") || equalFold(name, "src")
}
