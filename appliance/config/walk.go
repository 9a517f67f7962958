package config

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The walk checks a yaml.Node tree against the schema (the Config struct
// and its yaml tags) before yaml.v3 decodes it. yaml.v3's KnownFields error
// says "field x not found in type config.TLS"; the walk says which x, under
// which key, and that it is a secret written inline, and reports every
// problem rather than the ones one decode pass happens to collect.

var durationType = reflect.TypeFor[time.Duration]()

// schemaOf returns the struct type the document is checked against.
func schemaOf(c *Config) reflect.Type { return reflect.TypeOf(c).Elem() }

// yamlFields maps the yaml key names of struct type t to their fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f
	}
	return fields
}

// resolve follows YAML aliases (*anchor) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func joinKey(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// walkMapping checks the keys of mapping n against struct type t and
// records the line of each key under its dotted path.
func walkMapping(r *report, n *yaml.Node, t reflect.Type, prefix string) {
	fields := yamlFields(t)
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			r.addAt(k.Line, prefix, ErrSyntax, "a key must be a plain word, not a list or mapping")
			continue
		}
		key := joinKey(prefix, k.Value)
		if first, dup := seen[k.Value]; dup {
			r.addAt(k.Line, key, ErrDuplicate, "given twice (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fields[k.Value]
		if !ok {
			unknownKey(r, k, key, fields)
			continue
		}
		r.src.lines[key] = k.Line
		walkValue(r, v, f.Type, key)
	}
}

// unknownKey reports a key the schema lacks. A secret written inline gets
// its own message, and the value is never echoed: it may be the secret.
func unknownKey(r *report, k *yaml.Node, key string, fields map[string]reflect.StructField) {
	if k.Tag == "!!merge" {
		r.addAt(k.Line, key, ErrUnknownKey, "YAML merge keys (<<) are not supported; write the keys out")
		return
	}
	if _, ok := fields[k.Value+"_file"]; ok {
		r.addAt(k.Line, key, ErrSecretInline,
			"secrets are not accepted inline: put it in a file only the service can read and set %s_file",
			k.Value)
		return
	}
	if looksSecret(k.Value) {
		r.addAt(k.Line, key, ErrSecretInline,
			"secrets are not accepted inline, only as *_file paths (and %q is not a key here)", k.Value)
		return
	}
	known := make([]string, 0, len(fields))
	for name := range fields {
		known = append(known, name)
	}
	sort.Strings(known)
	r.addAt(k.Line, key, ErrUnknownKey, "unknown key (known here: %s)", strings.Join(known, ", "))
}

// looksSecret is true for key names that usually hold a secret.
func looksSecret(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"secret", "password", "passwd", "private_key", "token", "credential"} {
		if strings.Contains(name, w) && !strings.HasSuffix(name, "_file") {
			return true
		}
	}
	return false
}

// walkValue checks that v has the shape type t needs, and for scalars that
// it decodes, so that "60" for a duration names its key.
func walkValue(r *report, v *yaml.Node, t reflect.Type, key string) {
	isNull := v.Kind == yaml.ScalarNode && v.Tag == "!!null"
	switch {
	case t == durationType:
	case t.Kind() == reflect.Struct:
		switch {
		case isNull: // an empty section keeps its defaults
		case v.Kind == yaml.MappingNode:
			walkMapping(r, v, t, key)
		default:
			r.addAt(v.Line, key, ErrType, "want a mapping of keys (key: value), got %s", kindName(v))
		}
		return
	case t.Kind() == reflect.Slice:
		switch {
		case isNull: // "allow:" with nothing is an empty list
		case v.Kind == yaml.SequenceNode:
			for i, e := range v.Content {
				e = resolve(e)
				ek := key + "[" + strconv.Itoa(i) + "]"
				r.src.lines[ek] = e.Line
				walkValue(r, e, t.Elem(), ek)
			}
		default:
			r.addAt(v.Line, key, ErrType, "want a list such as [a, b], got %s", kindName(v))
		}
		return
	}
	if v.Kind != yaml.ScalarNode {
		r.addAt(v.Line, key, ErrType, "want a single value, got %s", kindName(v))
		return
	}
	if isNull {
		r.addAt(v.Line, key, ErrType, `has no value (write "" for an empty one, or leave the key out for the default)`)
		return
	}
	if err := v.Decode(reflect.New(t).Interface()); err != nil {
		switch {
		case t == durationType:
			r.addAt(v.Line, key, ErrType, "%q is not a duration; write it with a unit, like 30s, 1m30s or 250ms", v.Value)
		case t.Kind() == reflect.Int:
			r.addAt(v.Line, key, ErrType, "%q is not a whole number", v.Value)
		default:
			r.addAt(v.Line, key, ErrType, "%q: want %s", v.Value, t.Kind())
		}
	}
}

// kindName names a node's shape for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return strconv.Quote(n.Value)
	}
}
