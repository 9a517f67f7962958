package ingest

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the AudioHook server mode's own counters; the protocol's
// (sessions, messages, signature failures) are audiohook.Metrics.
type Metrics struct {
	opened   *prometheus.CounterVec
	frames   prometheus.Counter
	refused  *prometheus.CounterVec
	recorded prometheus.Counter
}

// NewMetrics registers the metrics on reg (nil leaves them unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		opened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_ingest_sessions_opened_total",
			Help: "AudioHook sessions opened, by how: running (CTI start already known) or paused (waiting for the match).",
		}, []string{"start"}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_ingest_frames_total",
			Help: "20 ms stereo frames handed to the recording sinks.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_ingest_sessions_refused_total",
			Help: "AudioHook opens refused, by reason.",
		}, []string{"reason"}),
		recorded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_ingest_recordings_total",
			Help: "AudioHook sessions whose recording opened (matched).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.opened, m.frames, m.refused, m.recorded)
	}
	return m
}
