package audiohook

import "github.com/google/uuid"

// NullUUID is the all-zero UUID. Genesys's connection probe opens a session
// whose conversationId and participant.id are both NullUUID and sends no
// audio; a server must answer it like any other open.
const NullUUID = "00000000-0000-0000-0000-000000000000"

// IsUUID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form.
// Any version and variant is accepted (Genesys sends version 4; the probe
// sends the null UUID), in either case.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// NewUUID returns a random (version 4) UUID in lower case.
func NewUUID() string { return uuid.NewString() }
