package callkey

import (
	"encoding/json"
	"slices"
)

// MaxSetLen bounds a Set; a session never has more than a handful of keys,
// so a bigger set means hostile input and further keys are dropped.
const MaxSetLen = 64

// Set is a small, ordered, duplicate-free collection of keys. The zero value
// is an empty set ready to use. A Set is not safe for concurrent mutation.
type Set struct {
	keys []Key
}

// NewSet returns a set holding keys, skipping zero keys and duplicates.
func NewSet(keys ...Key) Set {
	var s Set
	for _, k := range keys {
		s.Add(k)
	}
	return s
}

// Add inserts k unless it is zero, already present, or the set is full.
// It reports whether the set changed.
func (s *Set) Add(k Key) bool {
	if k.IsZero() || s.Has(k) || len(s.keys) >= MaxSetLen {
		return false
	}
	s.keys = append(s.keys, k)
	return true
}

// AddAll inserts every key of o and reports whether the set changed.
func (s *Set) AddAll(o Set) bool {
	changed := false
	for _, k := range o.keys {
		changed = s.Add(k) || changed
	}
	return changed
}

// Has reports whether k is in the set.
func (s Set) Has(k Key) bool { return slices.Contains(s.keys, k) }

// Intersects reports whether s and o share any key.
func (s Set) Intersects(o Set) bool {
	for _, k := range s.keys {
		if o.Has(k) {
			return true
		}
	}
	return false
}

// Len returns the number of keys.
func (s Set) Len() int { return len(s.keys) }

// Keys returns a copy of the keys in insertion order.
func (s Set) Keys() []Key { return slices.Clone(s.keys) }

// Of returns the keys of one kind, in insertion order.
func (s Set) Of(kind Kind) []Key {
	var out []Key
	for _, k := range s.keys {
		if k.Kind == kind {
			out = append(out, k)
		}
	}
	return out
}

// Clone returns an independent copy of s.
func (s Set) Clone() Set { return Set{keys: slices.Clone(s.keys)} }

// MarshalJSON encodes the set as a JSON array of "kind:value" strings.
func (s Set) MarshalJSON() ([]byte, error) {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes a JSON array of "kind:value" strings.
func (s *Set) UnmarshalJSON(b []byte) error {
	var keys []Key
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	*s = NewSet(keys...)
	return nil
}
