package srs

import (
	"github.com/emiago/sipgo/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the SIP side's Prometheus metrics. A nil *Metrics is valid and
// records nothing, which keeps tests that do not care short.
type Metrics struct {
	Requests      *prometheus.CounterVec
	BadInput      *prometheus.CounterVec
	RejectedMedia *prometheus.CounterVec
	Reinvites     *prometheus.CounterVec
	Glare         prometheus.Counter
	Dialogs       prometheus.Gauge
}

// NewMetrics registers the SIP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cogito_edge", Subsystem: "sip", Name: "requests_total",
			Help: "SIP requests received, by method and outcome.",
		}, []string{"method", "outcome"}),
		BadInput: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cogito_edge", Subsystem: "sip", Name: "bad_input_total",
			Help: "Malformed or hostile SIP, SDP or metadata, by reason.",
		}, []string{"reason"}),
		RejectedMedia: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cogito_edge", Subsystem: "sip", Name: "rejected_media_lines_total",
			Help: "Offered m-lines answered with port 0, by reason.",
		}, []string{"reason"}),
		Reinvites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cogito_edge", Subsystem: "sip", Name: "our_reinvites_total",
			Help: "Re-INVITEs we sent to the SBC, by direction offered and result.",
		}, []string{"direction", "result"}),
		Glare: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "cogito_edge", Subsystem: "sip", Name: "glare_total",
			Help: "491 Request Pending answers received or sent.",
		}),
		Dialogs: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "cogito_edge", Subsystem: "sip", Name: "dialogs",
			Help: "Live recording dialogs.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Requests, m.BadInput, m.RejectedMedia, m.Reinvites, m.Glare, m.Dialogs)
	}
	return m
}

func (m *Metrics) requests(method sip.RequestMethod, outcome string) {
	if m != nil {
		m.Requests.WithLabelValues(string(method), outcome).Inc()
	}
}

func (m *Metrics) badInput(reason string) {
	if m != nil {
		m.BadInput.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) rejectedMedia(reason string) {
	if m != nil {
		m.RejectedMedia.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) reinvite(direction, result string) {
	if m != nil {
		m.Reinvites.WithLabelValues(direction, result).Inc()
	}
}

func (m *Metrics) glare() {
	if m != nil {
		m.Glare.Inc()
	}
}

func (m *Metrics) dialogs(n int) {
	if m != nil {
		m.Dialogs.Set(float64(n))
	}
}
