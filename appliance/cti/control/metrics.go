package control

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the control channel's Prometheus collectors.
type Metrics struct {
	connected  prometheus.Gauge
	attempts   *prometheus.CounterVec
	reconnects prometheus.Counter
	messages   *prometheus.CounterVec
	refused    *prometheus.CounterVec
	events     *prometheus.CounterVec
	// lastMessage is the UnixNano of the last message received; 0 none.
	lastMessage atomic.Int64
}

// Labels of the refused-messages counter.
const (
	refusedMalformed  = "malformed"  // not JSON of this protocol, or a payload that does not validate
	refusedOversize   = "oversize"   // over MaxMessageSize: the connection is dropped
	refusedBinary     = "binary"     // a binary WebSocket message
	refusedVersion    = "version"    // another protocol version
	refusedUnexpected = "unexpected" // a type only the edge sends (hello, session, ack)
)

// NewMetrics creates the control channel's collectors and registers them
// with reg. A nil reg leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns = "cogito_edge_control_"
	m := &Metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "connected",
			Help: "1 while the control channel to the cloud is connected."}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "connect_attempts_total",
			Help: "Connection attempts to the control URL, by result (ok, error)."}, []string{"result"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "reconnects_total",
			Help: "Connections made after a connection was lost."}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "messages_total",
			Help: "Messages by direction (in, out) and type; in-coming types this version does not know count as unknown."},
			[]string{"direction", "type"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "refused_messages_total",
			Help: "In-coming messages refused, by reason (malformed, oversize, binary, version, unexpected)."}, []string{"reason"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "cti_events_total",
			Help: "CTI events received from the cloud, by outcome (matched, ignored, cached, invalid, error)."}, []string{"outcome"}),
	}
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: ns + "last_message_age_seconds",
		Help: "Seconds since the last message from the cloud; +Inf before the first."}, m.lastMessageAge)
	for _, r := range []string{"ok", "error"} {
		m.attempts.WithLabelValues(r)
	}
	for _, o := range []Outcome{OutcomeMatched, OutcomeIgnored, OutcomeCached, OutcomeInvalid, OutcomeError} {
		m.events.WithLabelValues(string(o))
	}
	if reg != nil {
		reg.MustRegister(m.connected, m.attempts, m.reconnects, m.messages, m.refused, m.events, age)
	}
	return m
}

func (m *Metrics) lastMessageAge() float64 {
	last := m.lastMessage.Load()
	if last == 0 {
		return math.Inf(1)
	}
	return max(0, time.Since(time.Unix(0, last)).Seconds())
}

// alive notes that a message, of any kind, came in at now.
func (m *Metrics) alive(now time.Time) { m.lastMessage.Store(now.UnixNano()) }

func (m *Metrics) received(t Type) { m.messages.WithLabelValues("in", string(t)).Inc() }

func (m *Metrics) sent(t Type) { m.messages.WithLabelValues("out", string(t)).Inc() }
