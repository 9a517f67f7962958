package audiohook

import (
	"errors"
	"fmt"
	"strings"
)

// A parser and serializer for the Structured Field Values (RFC 8941) that
// HTTP Message Signatures use: Signature-Input is a Dictionary of Inner
// Lists of Strings with Parameters, Signature a Dictionary of Byte
// Sequences. Serialization is canonical, so "@signature-params" is rebuilt
// from what was parsed rather than copied from the header (RFC 9421 §2.3).

type sfKind uint8

const (
	sfInteger sfKind = iota + 1
	sfDecimal
	sfString
	sfToken
	sfBytes
	sfBoolean
)

// sfBare is a bare item. Decimals keep thousandths in i.
type sfBare struct {
	kind sfKind
	i    int64
	s    string // string or token
	b    []byte
	t    bool
}

type sfParam struct {
	key string
	val sfBare
}

type sfItem struct {
	bare   sfBare
	params []sfParam
}

// sfMember is a dictionary member: an item, or an inner list with its
// parameters.
type sfMember struct {
	key    string
	inner  bool
	item   sfItem
	list   []sfItem
	params []sfParam // the inner list's
}

var errSF = errors.New("structured field syntax")

type sfParser struct {
	s string
	i int
}

func (p *sfParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errSF, what, p.i)
}

func (p *sfParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *sfParser) skipSP() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *sfParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// parseDictionary parses a Dictionary (RFC 8941 §4.2.2). A repeated key
// overwrites the earlier value in place.
func parseDictionary(s string) ([]sfMember, error) {
	p := &sfParser{s: strings.Trim(s, " \t")}
	var out []sfMember
	for p.i < len(p.s) {
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		m := sfMember{key: key}
		if p.peek() == '=' {
			p.i++
			if p.peek() == '(' {
				m.inner = true
				if m.list, m.params, err = p.innerList(); err != nil {
					return nil, err
				}
			} else if m.item, err = p.item(); err != nil {
				return nil, err
			}
		} else {
			m.item.bare = sfBare{kind: sfBoolean, t: true}
			if m.item.params, err = p.parameters(); err != nil {
				return nil, err
			}
		}
		replaced := false
		for j := range out {
			if out[j].key == key {
				out[j], replaced = m, true
			}
		}
		if !replaced {
			out = append(out, m)
		}
		p.skipOWS()
		if p.i == len(p.s) {
			return out, nil
		}
		if p.peek() != ',' {
			return nil, p.fail("want ','")
		}
		p.i++
		p.skipOWS()
		if p.i == len(p.s) {
			return nil, p.fail("trailing ','")
		}
	}
	return out, nil
}

func (p *sfParser) key() (string, error) {
	start := p.i
	c := p.peek()
	if !(c >= 'a' && c <= 'z') && c != '*' {
		return "", p.fail("want a key")
	}
	for p.i < len(p.s) {
		c = p.s[p.i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i], nil
}

func (p *sfParser) innerList() ([]sfItem, []sfParam, error) {
	p.i++ // '('
	var items []sfItem
	for {
		p.skipSP()
		if p.peek() == ')' {
			p.i++
			params, err := p.parameters()
			return items, params, err
		}
		it, err := p.item()
		if err != nil {
			return nil, nil, err
		}
		items = append(items, it)
		if c := p.peek(); c != ' ' && c != ')' {
			return nil, nil, p.fail("want ' ' or ')'")
		}
	}
}

func (p *sfParser) item() (sfItem, error) {
	b, err := p.bare()
	if err != nil {
		return sfItem{}, err
	}
	params, err := p.parameters()
	return sfItem{bare: b, params: params}, err
}

func (p *sfParser) parameters() ([]sfParam, error) {
	var out []sfParam
	for p.peek() == ';' {
		p.i++
		p.skipSP()
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		v := sfBare{kind: sfBoolean, t: true}
		if p.peek() == '=' {
			p.i++
			if v, err = p.bare(); err != nil {
				return nil, err
			}
		}
		replaced := false
		for j := range out {
			if out[j].key == key {
				out[j].val, replaced = v, true
			}
		}
		if !replaced {
			out = append(out, sfParam{key: key, val: v})
		}
	}
	return out, nil
}
