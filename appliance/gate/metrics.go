package gate

import "github.com/prometheus/client_golang/prometheus"

// Event outcomes, the "outcome" label of cogito_edge_gate_cti_events_total. One
// event may be counted twice: cached, then replayed, expired or evicted.
const (
	outcomeMatched  = "matched"  // applied to at least one session
	outcomeIgnored  = "ignored"  // matched sessions, but out of order or a duplicate for all of them
	outcomeCached   = "cached"   // matched no session, kept in the early-event cache
	outcomeReplayed = "replayed" // taken from the cache by a session offered or updated later
	outcomeExpired  = "expired"  // left the cache after early_event_ttl unmatched
	outcomeEvicted  = "evicted"  // pushed out of a full cache
	outcomeInvalid  = "invalid"  // failed cti.Event.Validate
)

// Metrics are the gate's Prometheus collectors.
type Metrics struct {
	sessions    *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	events      *prometheus.CounterVec
	latency     prometheus.Histogram
	// matchLatency is the appliance's own reaction: from the matching CTI
	// start to the SBC's answer to our re-INVITE.
	matchLatency prometheus.Histogram
	legErrors    *prometheus.CounterVec
	cacheSize    prometheus.Gauge
}

// NewMetrics creates the gate's collectors and registers them with reg. A
// nil reg leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cogito_edge_gate_sessions",
			Help: "Registered recording sessions by state.",
		}, []string{"state"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_gate_transitions_total",
			Help: "Session state transitions.",
		}, []string{"from", "to"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_gate_cti_events_total",
			Help: "CTI events by type and outcome (matched, ignored, cached, replayed, expired, evicted, invalid).",
		}, []string{"type", "outcome"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cogito_edge_gate_activation_latency_seconds",
			Help:    "Time from Offer to the first successful Leg.Activate, the wait for the CTI event included.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}),
		matchLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cogito_edge_gate_match_to_active_seconds",
			Help:    "Time from the matching CTI start to the first successful Leg.Activate (the re-INVITE round trip).",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}),
		legErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_gate_leg_errors_total",
			Help: "Failed Leg calls by operation.",
		}, []string{"op"}),
		cacheSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cogito_edge_gate_early_events",
			Help: "CTI events waiting in the early-event cache.",
		}),
	}
	// Touch the state series so a scrape shows zeros rather than nothing.
	for _, s := range liveStates {
		m.sessions.WithLabelValues(string(s))
	}
	if reg != nil {
		reg.MustRegister(m.sessions, m.transitions, m.events, m.latency, m.matchLatency, m.legErrors, m.cacheSize)
	}
	return m
}

// eventLabel bounds the cardinality of the "type" label: a hostile or broken
// source cannot invent new series.
func eventLabel(t string) string {
	switch t {
	case "start", "hold", "resume", "end":
		return t
	}
	return "other"
}

func (m *Metrics) event(t, outcome string) {
	m.events.WithLabelValues(eventLabel(t), outcome).Inc()
}
