package audiohook

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// Canonical serialization of Structured Field Values (RFC 8941 §4.1).

func (b sfBare) appendTo(sb *strings.Builder) {
	switch b.kind {
	case sfInteger:
		sb.WriteString(strconv.FormatInt(b.i, 10))
	case sfDecimal:
		v := b.i
		if v < 0 {
			sb.WriteByte('-')
			v = -v
		}
		sb.WriteString(strconv.FormatInt(v/1000, 10))
		sb.WriteByte('.')
		frac := strconv.FormatInt(1000+v%1000, 10)[1:]
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			frac = "0"
		}
		sb.WriteString(frac)
	case sfString:
		sb.WriteByte('"')
		for i := 0; i < len(b.s); i++ {
			if b.s[i] == '"' || b.s[i] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(b.s[i])
		}
		sb.WriteByte('"')
	case sfToken:
		sb.WriteString(b.s)
	case sfBytes:
		sb.WriteByte(':')
		sb.WriteString(base64.StdEncoding.EncodeToString(b.b))
		sb.WriteByte(':')
	case sfBoolean:
		if b.t {
			sb.WriteString("?1")
		} else {
			sb.WriteString("?0")
		}
	}
}

func appendParams(sb *strings.Builder, params []sfParam) {
	for _, p := range params {
		sb.WriteByte(';')
		sb.WriteString(p.key)
		if p.val.kind == sfBoolean && p.val.t {
			continue
		}
		sb.WriteByte('=')
		p.val.appendTo(sb)
	}
}

func (it sfItem) appendTo(sb *strings.Builder) {
	it.bare.appendTo(sb)
	appendParams(sb, it.params)
}

// serializeInnerList serializes an inner list with its parameters, the
// value of "@signature-params".
func serializeInnerList(items []sfItem, params []sfParam) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for i, it := range items {
		if i > 0 {
			sb.WriteByte(' ')
		}
		it.appendTo(&sb)
	}
	sb.WriteByte(')')
	appendParams(&sb, params)
	return sb.String()
}

// serializeDictionary serializes dictionary members.
func serializeDictionary(members []sfMember) string {
	var sb strings.Builder
	for i, m := range members {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(m.key)
		switch {
		case m.inner:
			sb.WriteByte('=')
			sb.WriteString(serializeInnerList(m.list, m.params))
		case m.item.bare.kind == sfBoolean && m.item.bare.t:
			appendParams(&sb, m.item.params)
		default:
			sb.WriteByte('=')
			m.item.appendTo(&sb)
		}
	}
	return sb.String()
}
