package tunnel

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the tunnel's Prometheus collectors. The tunnel updates them
// every Config.CheckInterval from the device's state, and when it closes.
type Metrics struct {
	up                prometheus.Gauge
	handshakeAge      prometheus.Gauge
	rxBytes           prometheus.Counter
	txBytes           prometheus.Counter
	handshakeAttempts prometheus.Counter
	handshakeFailures prometheus.Counter
	reresolutions     prometheus.Counter
	resolveErrors     prometheus.Counter
	endpointChanges   prometheus.Counter
}

// NewMetrics creates the tunnel collectors and registers them with reg. A
// nil reg leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "cogito_edge_tunnel_" + name, Help: help})
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "cogito_edge_tunnel_" + name, Help: help})
	}
	m := &Metrics{
		up:                gauge("up", "1 while the tunnel device is up (started, not closed)."),
		handshakeAge:      gauge("handshake_age_seconds", "Seconds since the last completed handshake with the peer; +Inf before the first."),
		rxBytes:           counter("receive_bytes_total", "Bytes received from the peer (WireGuard rx_bytes)."),
		txBytes:           counter("transmit_bytes_total", "Bytes sent to the peer (WireGuard tx_bytes)."),
		handshakeAttempts: counter("handshake_attempts_total", "Handshake initiations sent to the peer."),
		handshakeFailures: counter("handshake_failures_total", "Handshake initiations the peer did not answer within REKEY_TIMEOUT (5 s)."),
		reresolutions:     counter("reresolutions_total", "Lookups of the endpoint's name after the first (handshake stale, or no address yet)."),
		resolveErrors:     counter("resolve_errors_total", "Lookups of the endpoint's name that failed or found no address."),
		endpointChanges:   counter("endpoint_changes_total", "Times a lookup moved the peer to a new endpoint address."),
	}
	m.handshakeAge.Set(math.Inf(1))
	if reg != nil {
		reg.MustRegister(m.up, m.handshakeAge, m.rxBytes, m.txBytes, m.handshakeAttempts,
			m.handshakeFailures, m.reresolutions, m.resolveErrors, m.endpointChanges)
	}
	return m
}

// observe feeds one poll of the device into the metrics. The byte counters
// take the growth since the last poll; a smaller value means a new device
// and counts whole.
func (m *Metrics) observe(st peerState, last *peerState, now time.Time) {
	if st.lastHandshake.IsZero() {
		m.handshakeAge.Set(math.Inf(1))
	} else {
		m.handshakeAge.Set(max(0, now.Sub(st.lastHandshake).Seconds()))
	}
	m.rxBytes.Add(float64(delta(st.rx, last.rx)))
	m.txBytes.Add(float64(delta(st.tx, last.tx)))
	last.rx, last.tx = st.rx, st.tx
}

func delta(now, before uint64) uint64 {
	if now < before {
		return now
	}
	return now - before
}
