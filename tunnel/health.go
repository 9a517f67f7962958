package tunnel

import (
	"fmt"
	"time"
)

// Health is the tunnel's state for /readyz, the admin API and
// `cogito-edge status`. It is a plain value: read it, marshal it.
type Health struct {
	// Up is true between a successful Start and Close.
	Up bool `json:"up"`
	// Ready is true when a session from the last handshake is still valid
	// (it is younger than WireGuard's REJECT_AFTER_TIME, 180 s): traffic
	// can flow. With the default 25 s keepalive a healthy tunnel renews
	// its handshake every 2 minutes.
	Ready bool `json:"ready"`
	// Problem says why the tunnel is not ready; empty when it is.
	Problem string `json:"problem,omitempty"`

	// PublicKey is this tunnel's public key, PeerPublicKey the peer's.
	PublicKey     string `json:"public_key"`
	PeerPublicKey string `json:"peer_public_key"`
	// Endpoint is the configured host:port; EndpointAddress the address the
	// device sends to now (it follows the peer if the peer roams).
	Endpoint        string `json:"endpoint,omitempty"`
	EndpointAddress string `json:"endpoint_address,omitempty"`
	// ResolveError is the last failed lookup of the endpoint's name.
	ResolveError string `json:"resolve_error,omitempty"`
	// ListenPort is the local UDP port.
	ListenPort uint16 `json:"listen_port,omitempty"`

	// LastHandshake is when the last handshake completed; zero if none.
	LastHandshake time.Time `json:"last_handshake,omitzero"`
	// HandshakeAge is the time since LastHandshake; 0 if there was none.
	// JSON leaves it out: LastHandshake says the same.
	HandshakeAge time.Duration `json:"-"`
	// RxBytes and TxBytes count the peer's traffic, WireGuard overhead
	// included.
	RxBytes uint64 `json:"rx_bytes"`
	TxBytes uint64 `json:"tx_bytes"`
	// HandshakeAttempts counts initiations sent; HandshakeFailures those
	// unanswered within REKEY_TIMEOUT (5 s).
	HandshakeAttempts uint64 `json:"handshake_attempts"`
	HandshakeFailures uint64 `json:"handshake_failures"`
	// Reresolutions counts lookups of the endpoint's name after the first.
	Reresolutions uint64 `json:"reresolutions"`
}

// Health reads the device's state now.
func (t *Tunnel) Health() Health {
	now := time.Now()
	h := Health{
		PublicKey:         t.s.pub.String(),
		PeerPublicKey:     t.s.PeerPublicKey.String(),
		Endpoint:          t.s.Endpoint,
		HandshakeAttempts: t.events.attempts.Load(),
		HandshakeFailures: t.events.failures.Load(),
	}
	t.ep.mu.Lock()
	if t.ep.err != nil {
		h.ResolveError = t.ep.err.Error()
	}
	h.Reresolutions = t.ep.lookups
	t.ep.mu.Unlock()

	t.mu.Lock()
	st, r := t.state, t.run
	t.mu.Unlock()
	switch st {
	case stateUp:
	case stateClosed:
		h.Problem = "tunnel is closed"
		return h
	case stateFailed:
		h.Problem = "tunnel failed to start"
		return h
	default:
		h.Problem = "tunnel is not started"
		return h
	}
	h.Up = true
	ps, err := t.poll(r.dev)
	if err != nil {
		h.Problem = err.Error()
		return h
	}
	h.EndpointAddress, h.ListenPort = ps.endpoint, ps.listenPort
	h.RxBytes, h.TxBytes = ps.rx, ps.tx
	h.LastHandshake = ps.lastHandshake
	if !ps.lastHandshake.IsZero() {
		h.HandshakeAge = max(0, now.Sub(ps.lastHandshake))
	}
	h.Ready = sessionValid(ps.lastHandshake, now)
	if !h.Ready {
		h.Problem = h.problem()
	}
	return h
}

// problem explains a tunnel that is up but not ready.
func (h *Health) problem() string {
	switch {
	case h.EndpointAddress == "" && h.ResolveError != "":
		return "no endpoint address: " + h.ResolveError
	case h.EndpointAddress == "" && h.Endpoint == "":
		return "waiting for the peer to connect"
	case h.LastHandshake.IsZero():
		return fmt.Sprintf("no handshake with the peer at %s yet (%d attempts, %d unanswered)",
			h.EndpointAddress, h.HandshakeAttempts, h.HandshakeFailures)
	}
	return fmt.Sprintf("last handshake with the peer at %s was %s ago (%d attempts, %d unanswered)",
		h.EndpointAddress, h.HandshakeAge.Round(time.Second), h.HandshakeAttempts, h.HandshakeFailures)
}
