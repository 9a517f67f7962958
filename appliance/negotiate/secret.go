package negotiate

import (
	"fmt"
	"io"
	"log/slog"
)

const redacted = "[redacted]"

// Secret is SRTP master key material. It is a plain byte slice for the media
// layer, but every way of printing or serialising it (fmt verbs including
// %x and %#v, slog, encoding/json, YAML through TextMarshaler) yields
// "[redacted]", so a key never reaches a log line or an admin API response
// by accident (DESIGN §10: no secrets in logs).
type Secret []byte

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// Format implements fmt.Formatter so that no verb, not even %x or %#v,
// prints the bytes.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler; encoding/json prefers it
// over its base64 encoding of byte slices.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
