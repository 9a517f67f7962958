package tunnel

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestWrongPeerKey: with a key mismatch no handshake completes; Health says
// so, the failure metric counts it, and the log says what to check.
func TestWrongPeerKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cloud func(*Config)
		edge  func(*Config)
	}{
		{"edge has the wrong peer key", nil, func(edge *Config) { edge.PeerPublicKey = PublicKey(mustKey(t)) }},
		{"cloud does not know the edge", func(cloud *Config) { cloud.PeerPublicKey = PublicKey(mustKey(t)) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPair(t, tc.cloud, func(edge *Config, _ uint16) {
				if tc.edge != nil {
					tc.edge(edge)
				}
				edge.CheckInterval = 50 * time.Millisecond
			})
			e := p.edge
			// An initiation counts as failed after REKEY_TIMEOUT (5 s).
			eventually(t, 15*time.Second, "a handshake failure counted", func() bool {
				return metric(t, e.reg, "cogito_edge_tunnel_handshake_failures_total") >= 1
			})
			h := e.Health()
			if h.Ready || !h.Up || !h.LastHandshake.IsZero() || h.HandshakeFailures == 0 ||
				h.HandshakeAttempts < 2 || !strings.Contains(h.Problem, "no handshake with the peer") {
				t.Errorf("health: %+v", h)
			}
			if age := metric(t, e.reg, "cogito_edge_tunnel_handshake_age_seconds"); !math.IsInf(age, 1) {
				t.Errorf("handshake_age_seconds = %v, want +Inf", age)
			}
			if n := metric(t, e.reg, "cogito_edge_tunnel_handshake_attempts_total"); n < 2 {
				t.Errorf("handshake_attempts_total = %v", n)
			}
			eventually(t, 5*time.Second, "the warning logged", func() bool {
				return strings.Contains(e.log.String(), "no WireGuard handshake with the peer")
			})
			line := ""
			for l := range strings.Lines(e.log.String()) {
				if strings.Contains(l, "no WireGuard handshake") {
					line = l
					break
				}
			}
			for _, want := range []string{"level=WARN", `peer_public_key="` + e.s.PeerPublicKey.String() + `"`,
				` public_key="` + e.PublicKey().String() + `"`, "endpoint_address=127.0.0.1:", "last_handshake=never",
				"Check that peer_public_key is the peer's public key"} {
				if !strings.Contains(line, want) {
					t.Errorf("warning lacks %q:\n%s", want, line)
				}
			}
			if strings.Count(e.log.String(), "no WireGuard handshake") != 1 {
				t.Errorf("warned more than once within a minute:\n%s", e.log.String())
			}
			if h := p.cloud.Health(); h.Ready {
				t.Errorf("cloud is ready: %+v", h)
			}
		})
	}
}
