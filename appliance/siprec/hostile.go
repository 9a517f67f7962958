package siprec

import (
	"bytes"
	"fmt"
)

// checkHostile refuses, before any tokenizing, what no SBC sends and every
// XML attack needs: oversize input and markup declarations. encoding/xml
// neither fetches external entities nor expands custom ones in Strict mode,
// but a DOCTYPE has no business in SIPREC metadata, so it is refused outright
// rather than trusted to the decoder. Comments and CDATA are the only "<!"
// constructs let through.
func checkHostile(b []byte) error {
	if len(b) > MaxMetadataSize {
		return fmt.Errorf("%w: %w: %d bytes, limit %d", ErrHostileMetadata, ErrBodyTooLarge, len(b), MaxMetadataSize)
	}
	for rest := b; ; {
		i := bytes.Index(rest, []byte("<!"))
		if i < 0 {
			return nil
		}
		rest = rest[i+2:]
		if bytes.HasPrefix(rest, []byte("--")) || bytes.HasPrefix(rest, []byte("[CDATA[")) {
			continue
		}
		word := rest[:min(len(rest), 10)]
		return fmt.Errorf("%w: markup declaration <!%q", ErrHostileMetadata, word)
	}
}

// repairURIs escapes the '<' of a "<sip:", "<sips:" or "<tel:" that opens
// no element: Oracle SBCs copy a name-addr request URI into apkt:request-uri
// unescaped, which breaks the whole document. It returns the repaired copy
// and whether anything changed.
func repairURIs(b []byte) ([]byte, bool) {
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '<' || !hasURIScheme(b[i+1:]) {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+64)
		}
		out = append(out, b[last:i]...)
		out = append(out, "&lt;"...)
		last = i + 1
	}
	if out == nil {
		return nil, false
	}
	return append(out, b[last:]...), true
}

// hasURIScheme reports whether b starts with a SIP or tel URI scheme.
func hasURIScheme(b []byte) bool {
	for _, scheme := range [...]string{"sip:", "sips:", "tel:"} {
		if len(b) >= len(scheme) && asciiEqualFold(b[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}
