package siprec

import "strings"

// Media types this package recognises, lower case without parameters.
const (
	typeSDP         = "application/sdp"
	typeMetadata    = "application/rs-metadata+xml"
	typeMetadataOld = "application/rs-metadata" // SEMS and early drafts
	typeMultipart   = "multipart/"
)

// mediaType returns the lower-case "type/subtype" of a Content-Type value,
// without parameters. Real SBCs vary case and spacing, so nothing stricter
// than that is assumed; strings.ToLower does not allocate for values that are
// already lower case, which is the common case.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// isMetadataType reports whether a media type (from mediaType) is SIPREC
// metadata. SEMS sends the type without "+xml".
func isMetadataType(mt string) bool {
	return mt == typeMetadata || mt == typeMetadataOld
}

// mediaParam returns the value of the named parameter of a Content-Type or
// Content-Disposition value. Names compare case-insensitively; values may be
// quoted (with backslash escapes) or bare, with or without spaces around ';'
// and '='. mime.ParseMediaType is not used because it refuses bare values
// with characters real SBCs put in boundaries (for example '=' or '/').
func mediaParam(v, name string) (string, bool) {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return "", false
	}
	s := v[i+1:]
	for s != "" {
		s = strings.TrimLeft(s, " \t;")
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			return "", false
		}
		key := strings.TrimSpace(s[:eq])
		if s[eq] == ';' { // a parameter without a value
			s = s[eq+1:]
			continue
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			val, s = unquote(s[1:])
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if strings.EqualFold(key, name) {
			return val, true
		}
	}
	return "", false
}

// unquote reads a quoted-string body (the opening quote already consumed)
// and returns its value and the rest after the closing quote. An unclosed
// quote takes the rest of the input, which is the lenient reading.
func unquote(s string) (val, rest string) {
	if end := strings.IndexAny(s, `"\`); end >= 0 && s[end] == '"' {
		return s[:end], s[end+1:] // fast path: no escapes
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// dispositionType returns the lower-case disposition type of a
// Content-Disposition value ("recording-session", "session", …).
func dispositionType(v string) string {
	return mediaType(v)
}
