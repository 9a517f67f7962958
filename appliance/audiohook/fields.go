package audiohook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// obj is a decoded JSON object whose members are checked one by one, so a
// parameter error names the member: present or not, and of the JSON type
// the schema gives it (null is never a valid value, as in the reference
// validators).
type obj map[string]json.RawMessage

var errNotObject = errors.New("not a JSON object")

func asObject(raw json.RawMessage) (obj, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errNotObject
	}
	var o obj
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, errNotObject
	}
	return o, nil
}

func (o obj) member(key string, required bool) (json.RawMessage, bool, error) {
	raw, ok := o[key]
	if !ok {
		if required {
			return nil, false, fmt.Errorf("%s: missing", key)
		}
		return nil, false, nil
	}
	return bytes.TrimSpace(raw), true, nil
}

func (o obj) str(key string, required bool) (string, error) {
	raw, ok, err := o.member(key, required)
	if !ok {
		return "", err
	}
	s, err := jsonString(raw)
	if err != nil {
		return "", fmt.Errorf("%s: not a string", key)
	}
	return s, nil
}

func (o obj) uuid(key string) (string, error) {
	s, err := o.str(key, true)
	if err != nil {
		return "", err
	}
	if !IsUUID(s) {
		return "", fmt.Errorf("%s: %w: %q", key, ErrBadID, truncate(s))
	}
	return s, nil
}

func (o obj) boolean(key string) (bool, error) {
	raw, ok, err := o.member(key, false)
	if !ok {
		return false, err
	}
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s: not a boolean", key)
}

func (o obj) duration(key string, required bool) (Duration, error) {
	raw, ok, err := o.member(key, required)
	if !ok {
		return 0, err
	}
	s, err := jsonString(raw)
	if err != nil {
		return 0, fmt.Errorf("%s: not a string", key)
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return d, nil
}

// integer accepts a JSON integer literal in [lo, hi].
func (o obj) integer(key string, required bool, lo, hi int64) (int64, error) {
	raw, ok, err := o.member(key, required)
	if !ok {
		return 0, err
	}
	s := string(raw)
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if !allDigits(s) || s == "" {
		return 0, fmt.Errorf("%s: not an integer", key)
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s: %s out of range [%d, %d]", key, truncate(string(raw)), lo, hi)
	}
	return v, nil
}

func (o obj) object(key string, required bool) (obj, json.RawMessage, error) {
	raw, ok, err := o.member(key, required)
	if !ok {
		return nil, nil, err
	}
	sub, err := asObject(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", key, err)
	}
	return sub, raw, nil
}

func (o obj) array(key string, required bool) ([]json.RawMessage, bool, error) {
	raw, ok, err := o.member(key, required)
	if !ok {
		return nil, false, err
	}
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false, fmt.Errorf("%s: not an array", key)
	}
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, false, fmt.Errorf("%s: not an array", key)
	}
	return a, true, nil
}

// strings decodes an optional array of strings.
func (o obj) strings(key string) ([]string, error) {
	a, ok, err := o.array(key, false)
	if !ok {
		return nil, err
	}
	out := make([]string, 0, len(a))
	for i, raw := range a {
		s, err := jsonString(raw)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: not a string", key, i)
		}
		out = append(out, s)
	}
	return out, nil
}
