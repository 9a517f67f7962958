package negotiate

import (
	"fmt"
	"strings"
)

// SRTPPolicy is the media.srtp setting: how RTP/AVP and RTP/SAVP m-lines
// are treated. The zero value is SRTPAllow, the configuration default.
type SRTPPolicy uint8

// SRTP policies.
const (
	// SRTPAllow answers RTP/SAVP with SDES-SRTP and RTP/AVP with plain RTP.
	SRTPAllow SRTPPolicy = iota
	// SRTPRequire rejects (port 0) every plain RTP/AVP m-line.
	SRTPRequire
	// SRTPOff rejects (port 0) every RTP/SAVP m-line.
	SRTPOff
)

// String returns the configuration spelling: allow, require or off.
func (p SRTPPolicy) String() string {
	switch p {
	case SRTPAllow:
		return "allow"
	case SRTPRequire:
		return "require"
	case SRTPOff:
		return "off"
	default:
		return fmt.Sprintf("SRTPPolicy(%d)", uint8(p))
	}
}

// ParseSRTPPolicy reads the configuration spelling of a policy
// (case-insensitive): "allow", "require" or "off".
func ParseSRTPPolicy(s string) (SRTPPolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "allow":
		return SRTPAllow, nil
	case "require":
		return SRTPRequire, nil
	case "off":
		return SRTPOff, nil
	}
	return 0, fmt.Errorf("negotiate: parse srtp policy: %w: %q (want allow|require|off)", ErrBadPolicy, s)
}
