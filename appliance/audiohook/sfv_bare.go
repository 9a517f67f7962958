package audiohook

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Bare items of Structured Field Values (RFC 8941 §4.2.3): integers,
// decimals, strings, tokens, byte sequences and booleans.

func (p *sfParser) bare() (sfBare, error) {
	c := p.peek()
	switch {
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == '"':
		return p.str()
	case c == ':':
		return p.bytes()
	case c == '?':
		if p.i+1 < len(p.s) && (p.s[p.i+1] == '0' || p.s[p.i+1] == '1') {
			p.i += 2
			return sfBare{kind: sfBoolean, t: p.s[p.i-1] == '1'}, nil
		}
		return sfBare{}, p.fail("bad boolean")
	case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*':
		start := p.i
		for p.i++; p.i < len(p.s) && (isTChar(p.s[p.i]) || p.s[p.i] == ':' || p.s[p.i] == '/'); p.i++ {
		}
		return sfBare{kind: sfToken, s: p.s[start:p.i]}, nil
	}
	return sfBare{}, p.fail("want an item")
}

func isTChar(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *sfParser) number() (sfBare, error) {
	start := p.i
	neg := p.peek() == '-'
	if neg {
		p.i++
	}
	intStart, dot := p.i, -1
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '.' && dot < 0 {
			dot = p.i
		} else if c < '0' || c > '9' {
			break
		}
		p.i++
	}
	digits := p.s[intStart:p.i]
	if dot < 0 {
		if len(digits) == 0 || len(digits) > 15 {
			return sfBare{}, p.fail("bad integer")
		}
		v, _ := strconv.ParseInt(p.s[start:p.i], 10, 64)
		return sfBare{kind: sfInteger, i: v}, nil
	}
	whole, frac := p.s[intStart:dot], p.s[dot+1:p.i]
	if len(whole) == 0 || len(whole) > 12 || len(frac) == 0 || len(frac) > 3 {
		return sfBare{}, p.fail("bad decimal")
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "00")[:3], 10, 64)
	v := w*1000 + f
	if neg {
		v = -v
	}
	return sfBare{kind: sfDecimal, i: v}, nil
}

func (p *sfParser) str() (sfBare, error) {
	p.i++ // '"'
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '\\':
			if p.i == len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\\') {
				return sfBare{}, p.fail("bad escape")
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case c == '"':
			return sfBare{kind: sfString, s: b.String()}, nil
		case c < 0x20 || c > 0x7e:
			return sfBare{}, p.fail("bad string character")
		default:
			b.WriteByte(c)
		}
	}
	return sfBare{}, p.fail("unterminated string")
}

func (p *sfParser) bytes() (sfBare, error) {
	p.i++ // ':'
	end := strings.IndexByte(p.s[p.i:], ':')
	if end < 0 {
		return sfBare{}, p.fail("unterminated byte sequence")
	}
	enc := p.s[p.i : p.i+end]
	for j := 0; j < len(enc); j++ {
		// The decoder skips CR and LF; a byte sequence has no place for them.
		if c := enc[j]; !isBase64(c) {
			return sfBare{}, p.fail("bad base64")
		}
	}
	b, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil {
		return sfBare{}, p.fail("bad base64")
	}
	p.i += end + 1
	return sfBare{kind: sfBytes, b: b}, nil
}

func isBase64(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='
}
