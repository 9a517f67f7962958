package audiohook

import (
	"fmt"
	"strings"
	"time"
)

// parsedSignature is the signature a verifier checks: the first member of
// Signature-Input and the Signature member of the same label.
type parsedSignature struct {
	label      string
	components []sfItem
	params     []sfParam
	mac        []byte

	keyID, nonce, alg, tag string
	created, expires       time.Time
	hasCreated, hasExpires bool
}

// derivedComponents are the derived components a signature may cover.
func derivedComponent(name string) bool {
	switch name {
	case "@request-target", "@authority", "@method", "@path", "@query":
		return true
	}
	return false
}

// parseSignature parses Signature-Input and Signature (each the field
// lines joined by ", "). Any syntax it does not accept wraps
// ErrSignatureSyntax: a component with parameters, an unknown derived
// component, a repeated or upper-case component name, an unknown or
// mistyped signature parameter.
func parseSignature(input, sig string) (*parsedSignature, error) {
	if input == "" || sig == "" {
		return nil, fmt.Errorf("%w: Signature and Signature-Input come together", ErrSignatureSyntax)
	}
	in, err := parseDictionary(input)
	if err != nil {
		return nil, fmt.Errorf("%w: Signature-Input: %w", ErrSignatureSyntax, err)
	}
	sd, err := parseDictionary(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: Signature: %w", ErrSignatureSyntax, err)
	}
	if len(in) == 0 || !in[0].inner {
		return nil, fmt.Errorf("%w: Signature-Input has no inner list", ErrSignatureSyntax)
	}
	p := &parsedSignature{label: in[0].key, components: in[0].list, params: in[0].params}
	for _, m := range sd {
		if m.key == p.label && !m.inner && m.item.bare.kind == sfBytes && len(m.item.params) == 0 {
			p.mac = m.item.bare.b
		}
	}
	if p.mac == nil {
		return nil, fmt.Errorf("%w: no Signature byte sequence labelled %q", ErrSignatureSyntax, truncate(p.label))
	}
	seen := make(map[string]bool, len(p.components))
	for _, it := range p.components {
		name := it.bare.s
		switch {
		case it.bare.kind != sfString || len(it.params) != 0 || name == "":
			return nil, fmt.Errorf("%w: components must be plain strings", ErrSignatureSyntax)
		case name != strings.ToLower(name) || seen[name]:
			return nil, fmt.Errorf("%w: component %q repeated or not lower case", ErrSignatureSyntax, truncate(name))
		case strings.HasPrefix(name, "@") && !derivedComponent(name):
			return nil, fmt.Errorf("%w: component %q not supported", ErrSignatureSyntax, truncate(name))
		}
		seen[name] = true
	}
	for _, prm := range p.params {
		if err := p.setParam(prm); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSignatureSyntax, err)
		}
	}
	return p, nil
}

func (p *parsedSignature) setParam(prm sfParam) error {
	v := prm.val
	switch prm.key {
	case "keyid", "nonce", "alg", "tag":
		if v.kind != sfString {
			return fmt.Errorf("%s is not a string", prm.key)
		}
		switch prm.key {
		case "keyid":
			p.keyID = v.s
		case "nonce":
			p.nonce = v.s
		case "alg":
			p.alg = v.s
		default:
			p.tag = v.s
		}
	case "created", "expires":
		if v.kind != sfInteger || v.i < 0 {
			return fmt.Errorf("%s is not a non-negative integer", prm.key)
		}
		if prm.key == "created" {
			p.created, p.hasCreated = time.Unix(v.i, 0), true
		} else {
			p.expires, p.hasExpires = time.Unix(v.i, 0), true
		}
	default:
		return fmt.Errorf("unknown parameter %q", prm.key)
	}
	return nil
}
