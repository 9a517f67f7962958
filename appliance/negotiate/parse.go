package negotiate

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// parser holds the state of one parse: what the session level set as
// defaults for the media, and the per-media attributes that can only be
// resolved once the whole m-section has been read (a=rtpmap follows m=).
type parser struct {
	offer   Offer
	sessDir Direction
	sessC   conn
	media   []mediaState
}

type conn struct {
	set  bool
	addr addrInfo
}

type mediaState struct {
	m       Media
	c       conn
	dirSet  bool
	rtpmaps []Format
	fmtps   []fmtp
}

type fmtp struct {
	pt     uint8
	params string
}

// FNV-1a, inlined so fingerprinting a body costs no allocation.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	h ^= '\n'
	return h * fnvPrime
}

// parse reads SDP line by line instead of handing it to pion/sdp, whose
// state machine rejects real SBC output (a missing t=, m=image, udptl, a
// c= after b=, no final newline); see doc.go.
func parse(b []byte) (*Offer, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes (max %d)", ErrTooLarge, len(b), MaxSize)
	}
	s := strings.TrimPrefix(string(b), "\uFEFF")
	p := parser{sessDir: SendRecv}
	sum := uint64(fnvOffset)
	seenV := false
	for s != "" {
		// A bare CR ends a line too (old Mac style, and what pion does):
		// no value we echo can then smuggle a line break into our SDP.
		line := s
		if i := strings.IndexAny(s, "\r\n"); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		line = strings.Trim(line, " \t")
		if line == "" {
			continue
		}
		if !seenV {
			// The body must open with v=0 (RFC 4566 section 5); this is
			// what tells SDP from a misrouted multipart part.
			if line != "v=0" {
				return nil, ErrNotSDP
			}
			seenV = true
			sum = fnvAdd(sum, line)
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			continue // RFC 4566: unknown or broken lines are ignored
		}
		sum = fnvAdd(sum, line)
		if err := p.line(line[0], line[2:]); err != nil {
			return nil, err
		}
	}
	if !seenV {
		return nil, ErrNotSDP
	}
	if len(p.media) == 0 {
		return nil, ErrNoMedia
	}
	p.offer.sum = sum
	p.offer.Media = make([]Media, len(p.media))
	for i := range p.media {
		p.offer.Media[i] = p.finish(&p.media[i])
	}
	return &p.offer, nil
}

// line dispatches one "x=value" line to the session or the current media.
func (p *parser) line(typ byte, v string) error {
	var cur *mediaState
	if n := len(p.media); n > 0 {
		cur = &p.media[n-1]
	}
	switch typ {
	case 'm':
		return p.mLine(v)
	case 'o':
		if cur == nil {
			p.origin(v)
		}
	case 'c':
		a, err := parseConnection(v)
		if err != nil {
			return err
		}
		if cur == nil {
			p.sessC = conn{set: true, addr: a}
		} else {
			cur.c = conn{set: true, addr: a}
		}
	case 'a':
		name, val, _ := strings.Cut(v, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if cur == nil {
			if d, ok := parseDirection(name); ok {
				p.sessDir = d
			}
			return nil
		}
		cur.attr(name, strings.TrimSpace(val))
	}
	return nil
}

func (p *parser) origin(v string) {
	f := strings.Fields(v)
	get := func(i int) string {
		if i < len(f) {
			return f[i]
		}
		return ""
	}
	p.offer.Origin = Origin{Username: get(0), SessionID: get(1), Version: get(2), Address: get(5)}
}

// mLine starts a media section: "<media> <port>[/<n>] <proto> <fmt> ...".
func (p *parser) mLine(v string) error {
	if len(p.media) == MaxMedia {
		return fmt.Errorf("%w: more than %d", ErrTooManyMedia, MaxMedia)
	}
	f := strings.Fields(v)
	if len(f) < 3 || !printable(v) {
		return fmt.Errorf("%w: %q", ErrBadMedia, v)
	}
	port, ok := parsePort(f[1])
	if !ok {
		return fmt.Errorf("%w: %q", ErrBadPort, f[1])
	}
	p.media = append(p.media, mediaState{m: Media{
		Index: len(p.media),
		Type:  strings.ToLower(f[0]),
		Port:  port,
		Proto: f[2],
		fmts:  f[3:],
	}})
	return nil
}

// parsePort reads "<port>" or "<port>/<count>" (RFC 4566 section 5.14).
func parsePort(s string) (int, bool) {
	port, count, hasCount := strings.Cut(s, "/")
	n, ok := parseUint(port, 65535)
	if !ok {
		return 0, false
	}
	if hasCount {
		if _, ok := parseUint(count, 65535); !ok {
			return 0, false
		}
	}
	return n, true
}

// parseUint reads a decimal of at most max; unlike strconv.Atoi it refuses
// signs, so "-1" and "+5" are not ports.
func parseUint(s string, max int) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= max
}

// attr applies one media-level attribute; unknown ones are ignored, as are
// malformed values of known ones (a bad a=ptime must not lose a recording).
func (ms *mediaState) attr(name, val string) {
	if d, ok := parseDirection(name); ok {
		ms.m.Direction, ms.dirSet = d, true
		return
	}
	switch name {
	case "label":
		if val != "" && printable(val) {
			ms.m.Label = val
		}
	case "rtpmap":
		if f, ok := parseRtpmap(val); ok {
			ms.rtpmaps = append(ms.rtpmaps, f)
		}
	case "fmtp":
		pt, params, _ := strings.Cut(val, " ")
		if n, ok := parseUint(pt, 127); ok && printable(params) {
			ms.fmtps = append(ms.fmtps, fmtp{pt: uint8(n), params: strings.TrimSpace(params)})
		}
	case "ptime":
		ms.m.Ptime = parseMillis(val)
	case "maxptime":
		ms.m.MaxPtime = parseMillis(val)
	case "crypto":
		if k, ok := parseCrypto(val); ok {
			ms.m.Crypto = append(ms.m.Crypto, k)
		}
	}
}

// parseRtpmap reads "<pt> <name>/<rate>[/<channels>]".
func parseRtpmap(v string) (Format, bool) {
	pt, enc, ok := strings.Cut(v, " ")
	if !ok {
		return Format{}, false
	}
	n, ok := parseUint(pt, 127)
	if !ok {
		return Format{}, false
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return Format{}, false
	}
	rate, ok := parseUint(parts[1], math.MaxInt32)
	if !ok || rate == 0 {
		return Format{}, false
	}
	ch := 1
	if len(parts) == 3 {
		if ch, ok = parseUint(parts[2], 255); !ok || ch == 0 {
			return Format{}, false
		}
	}
	return Format{PT: uint8(n), Name: canonicalName(parts[0]), ClockRate: rate, Channels: ch}, true
}

// parseMillis reads a ptime, which RFC 4566 allows to be fractional
// ("22.5"); 0 means absent or unusable.
func parseMillis(v string) int {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 10000 {
		return 0
	}
	return int(math.Round(f))
}

// finish resolves the media's formats and inherited session defaults.
func (p *parser) finish(ms *mediaState) Media {
	m := ms.m
	if !ms.dirSet {
		m.Direction = p.sessDir
	}
	c := p.sessC
	if ms.c.set {
		c = ms.c
	}
	if c.set {
		m.Addr, m.Host = c.addr.ip, c.addr.host
	}
	for _, tok := range m.fmts {
		n, ok := parseUint(tok, 127)
		if !ok {
			continue // not an RTP payload type (t38, webrtc-datachannel)
		}
		pt := uint8(n)
		f, known := staticFormat(pt)
		for _, r := range ms.rtpmaps { // the last rtpmap for a PT wins
			if r.PT == pt {
				f, known = r, true
			}
		}
		if !known {
			f = Format{PT: pt}
		}
		for _, x := range ms.fmtps {
			if x.pt == pt {
				f.Fmtp = x.params
			}
		}
		m.Formats = append(m.Formats, f)
	}
	return m
}

// printable reports whether s has no control characters. Labels, fmtp
// parameters and m= tokens are echoed into our SDP, so they must not carry
// anything an SBC's parser could choke on.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
