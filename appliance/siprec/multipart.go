package siprec

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Limits of SplitBody. A real SIPREC body is 2-6 KiB; these leave a wide
// margin while keeping a hostile body cheap to refuse.
const (
	// MaxBodySize bounds the body SplitBody accepts.
	MaxBodySize = 256 << 10
	// maxParts bounds the parts of one multipart body (SBCs send 2 or 3).
	maxParts = 16
	// maxPartHeaders bounds the header lines of one part (SBCs send 1-3).
	maxPartHeaders = 32
	// maxBoundaryLen is twice RFC 2046's 70, to tolerate sloppy senders.
	maxBoundaryLen = 140
)

// Part is one body part that is neither the SDP nor the metadata, such as
// Cisco's application/gtd.
type Part struct {
	// ContentType is the part's Content-Type as sent, parameters included.
	ContentType string
	// Disposition is the part's Content-Disposition as sent.
	Disposition string
	// Body is the part's content, a slice of the input.
	Body []byte
}

// Body is a SIPREC request body split into its parts. Byte slices alias the
// input of SplitBody; copy them to keep them beyond the request's lifetime.
type Body struct {
	// SDP is the first application/sdp part, nil when there is none.
	SDP []byte
	// Metadata is the first rs-metadata part, nil when there is none.
	Metadata []byte
	// MetadataType is the metadata part's Content-Type as sent.
	MetadataType string
	// Other holds any further parts, in order.
	Other []Part
	// Unterminated is set when the closing "--boundary--" never came. The
	// parts are still returned (Ribbon and Cisco samples end that way), but
	// the caller may want to count it.
	Unterminated bool
}

// SplitBody splits a request body by its Content-Type value.
//
// A multipart body yields the SDP part, the metadata part and the rest. It
// tolerates what real SBCs do: part headers without a space after the colon,
// quoted or bare boundaries, the metadata part first (BroadWorks), per-part
// Content-Length (honoured when a delimiter follows it, else ignored), CRLF or
// bare LF, a preamble, whitespace after delimiters and a missing final
// delimiter (flagged in Body.Unterminated). A part whose type is unknown but
// whose Content-Disposition is recording-session is taken as the metadata,
// which rescues BroadWorks bodies with a mangled type.
//
// A plain application/sdp body yields only SDP. A plain rs-metadata body (an
// UPDATE) is returned with an error wrapping ErrNoSDP, as is a multipart body
// without SDP. Other failures wrap ErrBodyTooLarge, ErrContentType,
// ErrNoBoundary, ErrTruncatedBody or ErrMalformedBody and return no Body.
func SplitBody(contentType string, body []byte) (*Body, error) {
	if len(body) > MaxBodySize {
		return nil, fmt.Errorf("siprec: split body: %w: %d bytes, limit %d", ErrBodyTooLarge, len(body), MaxBodySize)
	}
	mt := mediaType(contentType)
	switch {
	case mt == typeSDP:
		return &Body{SDP: body}, nil
	case isMetadataType(mt):
		return &Body{Metadata: body, MetadataType: contentType}, fmt.Errorf("siprec: split body: %w", ErrNoSDP)
	case mt == "" && len(bytes.TrimSpace(body)) == 0:
		return &Body{}, fmt.Errorf("siprec: split body: %w: empty body", ErrNoSDP)
	case strings.HasPrefix(mt, typeMultipart):
	default:
		return nil, fmt.Errorf("siprec: split body: %w: %q", ErrContentType, mt)
	}
	boundary, ok := mediaParam(contentType, "boundary")
	if !ok || boundary == "" || len(boundary) > maxBoundaryLen {
		return nil, fmt.Errorf("siprec: split body: %w", ErrNoBoundary)
	}
	b, err := splitMultipart(body, boundary)
	if err != nil {
		return nil, fmt.Errorf("siprec: split body: %w", err)
	}
	if b.SDP == nil {
		return b, fmt.Errorf("siprec: split body: %w", ErrNoSDP)
	}
	return b, nil
}

// splitMultipart walks the parts of body delimited by boundary.
func splitMultipart(body []byte, boundary string) (*Body, error) {
	delim := []byte("--" + boundary)
	_, pos, closing, found := nextDelimiter(body, 0, delim)
	if !found {
		return nil, fmt.Errorf("%w: boundary %q never opens a part", ErrTruncatedBody, boundary)
	}
	if closing {
		return nil, fmt.Errorf("%w: closing delimiter before any part", ErrTruncatedBody)
	}
	b := &Body{}
	for n := 0; ; n++ {
		if n == maxParts {
			return nil, fmt.Errorf("%w: more than %d parts", ErrMalformedBody, maxParts)
		}
		h, start, err := readPartHeaders(body, pos, delim)
		if err != nil {
			return nil, err
		}
		end, next, closing, found := partEnd(body, start, h.length, delim)
		b.add(h, body[start:end])
		if !found {
			b.Unterminated = true
			return b, nil
		}
		if closing {
			return b, nil
		}
		pos = next
	}
}

// add files one part under SDP, Metadata or Other.
func (b *Body) add(h partHeader, content []byte) {
	mt := mediaType(h.contentType)
	switch {
	case b.SDP == nil && (mt == typeSDP || mt == "" && bytes.HasPrefix(content, []byte("v=0"))):
		b.SDP = content
	case b.Metadata == nil && (isMetadataType(mt) ||
		mt != typeSDP && dispositionType(h.disposition) == "recording-session"):
		b.Metadata = content
		b.MetadataType = h.contentType
	default:
		b.Other = append(b.Other, Part{ContentType: h.contentType, Disposition: h.disposition, Body: content})
	}
}

// partHeader is what SplitBody needs from a part's headers.
type partHeader struct {
	contentType string
	disposition string
	length      int // -1 when absent or unparsable
}

// readPartHeaders reads the header lines starting at pos up to the empty
// line, and returns the offset where the part's content starts. A delimiter
// line inside the header section ends a part with no content; the end of
// input before the empty line is a truncated body.
func readPartHeaders(body []byte, pos int, delim []byte) (partHeader, int, error) {
	h := partHeader{length: -1}
	for lines := 0; ; lines++ {
		if lines > maxPartHeaders {
			return h, 0, fmt.Errorf("%w: more than %d header lines in a part", ErrMalformedBody, maxPartHeaders)
		}
		nl := bytes.IndexByte(body[pos:], '\n')
		if nl < 0 {
			return h, 0, fmt.Errorf("%w: part headers never end", ErrTruncatedBody)
		}
		line := bytes.TrimRight(body[pos:pos+nl], " \t\r")
		if len(line) == 0 {
			return h, pos + nl + 1, nil
		}
		if isDelimiterAt(body, pos, delim) {
			return h, pos, nil // content-less part; partEnd finds this delimiter
		}
		pos += nl + 1
		if line[0] == ' ' || line[0] == '\t' {
			continue // folded continuation: only parameters, which SplitBody does not need
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue // not a header; tolerated, as there is nothing to learn from it
		}
		name, value = bytes.TrimSpace(name), bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "content-type"):
			h.contentType = string(value)
		case asciiEqualFold(name, "content-disposition"):
			h.disposition = string(value)
		case asciiEqualFold(name, "content-length"):
			if n, err := strconv.Atoi(string(value)); err == nil && n >= 0 {
				h.length = n
			}
		}
	}
}

// partEnd finds where the content that starts at start ends: at the declared
// length when a delimiter line follows it (so a part may even contain the
// boundary text), else just before the line break that precedes the next
// delimiter, else at the end of the input (found is then false). next is the
// offset after the delimiter line; closing reports "--boundary--".
func partEnd(body []byte, start, length int, delim []byte) (end, next int, closing, found bool) {
	if length >= 0 && length <= len(body)-start {
		at := start + length
		d := at
		if bytes.HasPrefix(body[d:], []byte("\r\n")) {
			d += 2
		} else if d < len(body) && body[d] == '\n' {
			d++
		}
		if nx, cl, ok := delimiterLine(body, d, delim); ok {
			return at, nx, cl, true
		}
	}
	s, nx, cl, ok := nextDelimiter(body, start, delim)
	if !ok {
		return len(body), len(body), false, false
	}
	end = s
	if end > start && body[end-1] == '\n' {
		end--
		if end > start && body[end-1] == '\r' {
			end--
		}
	}
	return max(end, start), nx, cl, true
}

// nextDelimiter finds the first delimiter line at or after from: delim at
// the start of a line, followed by "--" (closing) or by optional spaces and
// tabs up to the line end. start is where delim begins, next is the offset
// after its line.
func nextDelimiter(body []byte, from int, delim []byte) (start, next int, closing, found bool) {
	for from <= len(body) {
		i := bytes.Index(body[from:], delim)
		if i < 0 {
			return 0, 0, false, false
		}
		s := from + i
		if nx, cl, ok := delimiterLine(body, s, delim); ok {
			return s, nx, cl, true
		}
		from = s + 1
	}
	return 0, 0, false, false
}

// isDelimiterAt reports whether a delimiter line starts exactly at pos.
func isDelimiterAt(body []byte, pos int, delim []byte) bool {
	_, _, ok := delimiterLine(body, pos, delim)
	return ok
}

// delimiterLine checks that a whole delimiter line starts at s and returns
// the offset after it.
func delimiterLine(body []byte, s int, delim []byte) (next int, closing, ok bool) {
	if !bytes.HasPrefix(body[s:], delim) || s > 0 && body[s-1] != '\n' {
		return 0, false, false
	}
	p := s + len(delim)
	if bytes.HasPrefix(body[p:], []byte("--")) {
		closing = true
		p += 2
	}
	for p < len(body) && (body[p] == ' ' || body[p] == '\t') {
		p++
	}
	switch {
	case p == len(body):
		return p, closing, true
	case body[p] == '\n':
		return p + 1, closing, true
	case body[p] == '\r' && p+1 < len(body) && body[p+1] == '\n':
		return p + 2, closing, true
	case body[p] == '\r' && p+1 == len(body):
		return p + 1, closing, true
	case closing:
		// RFC 2046 allows anything after the close delimiter's dashes on
		// its line (an epilogue starts after it); nothing after it matters.
		return len(body), true, true
	}
	return 0, false, false // a longer boundary that merely starts with ours
}

// asciiEqualFold compares b with the lower-case ASCII string s without
// allocating.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
