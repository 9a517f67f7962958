package relay

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxNameLen bounds the file name taken from a session id.
const maxNameLen = 96

// fileName turns a session id into a safe file base name: only
// [A-Za-z0-9._-], no leading dot (no "..", no hidden files), bounded length.
// An id that had to change gets a hash of the original appended, so that
// two ids that sanitise alike ("a/b", "a_b") still get different files.
func fileName(id string) (string, error) {
	if id == "" {
		return "", ErrInvalidID
	}
	var b strings.Builder
	b.Grow(len(id))
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if len(name) > maxNameLen {
		name = name[:maxNameLen]
	}
	if name == id {
		return name, nil
	}
	sum := sha256.Sum256([]byte(id))
	if name == "" {
		name = "session"
	}
	return fmt.Sprintf("%s-%s", name, hex.EncodeToString(sum[:6])), nil
}
