package tunnel

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"golang.zx2c4.com/wireguard/device"
)

const (
	// sessionLifetime is WireGuard's REJECT_AFTER_TIME: past it no session
	// from the last handshake is valid, so nothing gets through.
	sessionLifetime = 180 * time.Second
	// warnEvery spaces the no-handshake warnings while it lasts.
	warnEvery = time.Minute
)

// monitorState is owned by routineMonitor, then by teardown once the
// monitor has returned.
type monitorState struct {
	last          peerState // for the byte counters' growth
	attempts      uint64    // handshake events already counted
	failures      uint64
	lastHandshake time.Time
	failing       bool // handshakes fail and no session is valid
	warnedAt      time.Time
	resolveErr    string // last lookup error logged, to log a change only
}

// endpointState is the address the tunnel gave the device and how it got
// it. The monitor writes it; Health reads it.
type endpointState struct {
	mu         sync.Mutex
	addr       netip.AddrPort // invalid until a lookup succeeds
	err        error          // of the last lookup
	resolvedAt time.Time
	lookups    uint64 // re-resolutions, the first lookup excluded
}

func (e *endpointState) get() (netip.AddrPort, time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addr, e.resolvedAt
}

// set records a lookup; a failed one keeps the address there was.
func (e *endpointState) set(ap netip.AddrPort, err error, at time.Time, again bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		e.addr = ap
	}
	e.err, e.resolvedAt = err, at
	if again {
		e.lookups++
	}
}

// routineMonitor polls the device every CheckInterval until Close.
func (t *Tunnel) routineMonitor(dev *device.Device, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(t.s.CheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.life.Done():
			return
		case <-tick.C:
		}
		if st, ok := t.observe(dev); ok {
			t.maybeReresolve(dev, st)
		}
	}
}

func (t *Tunnel) poll(dev *device.Device) (peerState, error) {
	text, err := dev.IpcGet()
	if err != nil {
		return peerState{}, fmt.Errorf("tunnel: read device state: %w", err)
	}
	return parseUAPI(text, t.s.PeerPublicKey)
}

// observe feeds the device's state and handshake events into the metrics,
// and logs when handshakes start failing with no valid session, and when
// they recover.
func (t *Tunnel) observe(dev *device.Device) (peerState, bool) {
	now := time.Now()
	st, err := t.poll(dev)
	if err != nil {
		t.log.Warn("tunnel: cannot read the device state", "err", err)
		return st, false
	}
	m := &t.mon
	t.metrics.observe(st, &m.last, now)
	attempts, failures := t.events.attempts.Load(), t.events.failures.Load()
	t.metrics.handshakeAttempts.Add(float64(attempts - m.attempts))
	t.metrics.handshakeFailures.Add(float64(failures - m.failures))
	newFailures := failures - m.failures
	m.attempts, m.failures = attempts, failures

	switch {
	case m.failing && st.lastHandshake.After(m.lastHandshake):
		m.failing = false
		t.log.Info("tunnel: handshake with the peer completed", "endpoint_address", st.endpoint,
			"attempts", attempts, "unanswered", failures)
	case newFailures > 0 && !sessionValid(st.lastHandshake, now):
		if !m.failing || now.Sub(m.warnedAt) >= warnEvery {
			t.warnNoHandshake(st, attempts, failures)
			m.warnedAt = now
		}
		m.failing = true
	}
	m.lastHandshake = st.lastHandshake
	return st, true
}

// sessionValid reports whether a session from the last handshake may still
// carry data.
func sessionValid(last, now time.Time) bool {
	return !last.IsZero() && now.Sub(last) < sessionLifetime
}

// warnNoHandshake is the operator's line when handshakes go unanswered:
// the three causes, and the values to compare with the peer's config.
func (t *Tunnel) warnNoHandshake(st peerState, attempts, failures uint64) {
	last := "never"
	if !st.lastHandshake.IsZero() {
		last = st.lastHandshake.UTC().Format(time.RFC3339)
	}
	t.log.Warn("tunnel: no WireGuard handshake with the peer: its initiations go unanswered. "+
		"Check that peer_public_key is the peer's public key, that the peer lists this tunnel's public_key "+
		"(with its tunnel address in allowed IPs), and that UDP reaches endpoint_address (firewall, NAT, port)",
		"public_key", t.s.pub.String(), "peer_public_key", t.s.PeerPublicKey.String(),
		"endpoint", t.s.Endpoint, "endpoint_address", st.endpoint,
		"attempts", attempts, "unanswered", failures, "last_handshake", last)
}

// maybeReresolve looks the endpoint's name up again when the tunnel has no
// address for it yet, or when neither a handshake nor a lookup happened
// within ReresolveAfter: each address gets that long to produce a
// handshake. A new address goes to the device, whose current keys belong
// to the old one, so they are expired and a handshake starts at once.
func (t *Tunnel) maybeReresolve(dev *device.Device, st peerState) {
	if t.s.host == "" || t.s.literal.IsValid() {
		return
	}
	now := time.Now()
	cur, resolvedAt := t.ep.get()
	ref := st.lastHandshake
	if resolvedAt.After(ref) {
		ref = resolvedAt
	}
	if cur.IsValid() && now.Sub(ref) <= t.s.ReresolveAfter {
		return
	}
	t.metrics.reresolutions.Inc()
	ep, err := t.s.resolve(t.life, cur)
	t.ep.set(ep, err, time.Now(), true)
	if err != nil {
		t.metrics.resolveErrors.Inc()
		if msg := err.Error(); msg != t.mon.resolveErr {
			t.mon.resolveErr = msg
			t.log.Warn("tunnel: cannot resolve the endpoint; retrying", "endpoint", t.s.Endpoint,
				"endpoint_address", cur, "err", err)
		}
		return
	}
	t.mon.resolveErr = ""
	if ep == cur {
		return
	}
	if err := dev.IpcSet(t.s.uapiEndpoint(ep)); err != nil {
		t.log.Warn("tunnel: cannot set the new endpoint", "endpoint_address", ep, "err", err)
		return
	}
	if p := dev.LookupPeer(device.NoisePublicKey(t.s.PeerPublicKey)); p != nil {
		p.ExpireCurrentKeypairs()
		p.SendKeepalive() // staged with no valid key: it starts the handshake
	}
	t.metrics.endpointChanges.Inc()
	t.log.Info("tunnel: endpoint moved", "endpoint", t.s.Endpoint, "from", cur, "to", ep,
		"last_handshake_age", handshakeAge(st.lastHandshake, now))
}

// firstResolve is Start's lookup. A failure is logged and left to the
// monitor, which retries every CheckInterval.
func (t *Tunnel) firstResolve(ctx context.Context) netip.AddrPort {
	if t.s.host == "" {
		return netip.AddrPort{}
	}
	ep, err := t.s.resolve(ctx, netip.AddrPort{})
	t.ep.set(ep, err, time.Now(), false)
	if err != nil {
		t.metrics.resolveErrors.Inc()
		t.mon.resolveErr = err.Error()
		t.log.Warn("tunnel: cannot resolve the endpoint; retrying", "endpoint", t.s.Endpoint, "err", err)
	}
	return ep
}

// handshakeAge is the time since last, or -1 when there was none.
func handshakeAge(last, now time.Time) time.Duration {
	if last.IsZero() {
		return -1
	}
	return now.Sub(last)
}
