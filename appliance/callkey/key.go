package callkey

import (
	"fmt"
	"strings"
)

// MaxValueLen bounds every key value; anything longer is hostile or broken.
const MaxValueLen = 256

// Kind says which namespace a key lives in. Keys of different kinds never match.
type Kind uint8

// Key kinds.
const (
	KindUCID         Kind = iota + 1 // 8-byte Avaya UCID, canonical upper-case hex
	KindConversation                 // Genesys conversation id (x-inin-cnv), lower-case UUID
	KindCallID                       // SIP Call-ID, verbatim
)

// String returns the kind's short name as used in logs, JSON and the admin API.
func (k Kind) String() string {
	switch k {
	case KindUCID:
		return "ucid"
	case KindConversation:
		return "conversation"
	case KindCallID:
		return "call-id"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Key is one canonical match key. It is comparable and usable as a map key.
type Key struct {
	Kind  Kind
	Value string
}

// IsZero reports whether k is the zero Key.
func (k Key) IsZero() bool { return k.Kind == 0 }

// String returns "kind:value".
func (k Key) String() string { return k.Kind.String() + ":" + k.Value }

// MarshalText implements encoding.TextMarshaler as "kind:value".
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses "kind:value", canonicalising the value.
func (k *Key) UnmarshalText(b []byte) error {
	kind, value, ok := strings.Cut(string(b), ":")
	if !ok {
		return fmt.Errorf("callkey: %q has no kind prefix", b)
	}
	var (
		parsed Key
		err    error
	)
	switch kind {
	case "ucid":
		parsed, err = UCID(value)
	case "conversation":
		parsed, err = Conversation(value)
	case "call-id":
		parsed, err = CallID(value)
	default:
		return fmt.Errorf("callkey: unknown kind %q", kind)
	}
	if err != nil {
		return err
	}
	*k = parsed
	return nil
}

// CallID returns the key for a SIP Call-ID. Call-IDs compare verbatim (RFC 3261 §20.8).
func CallID(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Key{}, ErrEmpty
	}
	if len(s) > MaxValueLen {
		return Key{}, ErrTooLong
	}
	return Key{Kind: KindCallID, Value: s}, nil
}

// Conversation returns the key for a Genesys conversation id. Genesys ids are
// UUIDs; the canonical form is lower case with hyphens.
func Conversation(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Key{}, ErrEmpty
	}
	if len(s) > MaxValueLen {
		return Key{}, ErrTooLong
	}
	if !isUUID(s) {
		return Key{}, fmt.Errorf("%w: %q", ErrConversationFormat, s)
	}
	return Key{Kind: KindConversation, Value: strings.ToLower(s)}, nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if fromHex(c) < 0 {
				return false
			}
		}
	}
	return true
}
