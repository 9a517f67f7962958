package relay

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the relay's Prometheus collectors. The per-frame counters are
// resolved once here, so the WriteFrame path does no label lookup.
type Metrics struct {
	open          prometheus.Gauge
	opened        prometheus.Counter
	frames        prometheus.Counter
	pausedFrames  prometheus.Counter
	invalidFrames prometheus.Counter
	bytes         prometheus.Counter
	dropped       *prometheus.CounterVec
	droppedQueue  prometheus.Counter
	errors        *prometheus.CounterVec
	flush         prometheus.Histogram
}

// NewMetrics creates the relay's collectors and registers them with reg. A
// nil reg leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cogito_edge_relay_local_recordings",
			Help: "Local recordings currently open.",
		}),
		opened: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_recordings_opened_total",
			Help: "Local recordings opened.",
		}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_frames_total",
			Help: "Frames accepted by local recordings.",
		}),
		pausedFrames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_paused_frames_total",
			Help: "Frames not recorded because the session was on hold.",
		}),
		invalidFrames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_invalid_frames_total",
			Help: "Frames rejected as not interleaved stereo.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_bytes_written_total",
			Help: "Sample bytes written to WAV files.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_dropped_samples_total",
			Help: "Samples per channel accepted but not written, by reason (queue_full, write_error, too_large).",
		}, []string{"reason"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_relay_local_errors_total",
			Help: "Local recording I/O errors by operation.",
		}, []string{"op"}),
		flush: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cogito_edge_relay_local_flush_seconds",
			Help:    "Time to write one buffer and patch the WAV header.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9), // 100 µs .. 6.5 s
		}),
	}
	m.droppedQueue = m.dropped.WithLabelValues(dropQueueFull)
	for _, r := range []string{dropWriteError, dropTooLarge} {
		m.dropped.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.open, m.opened, m.frames, m.pausedFrames, m.invalidFrames,
			m.bytes, m.dropped, m.errors, m.flush)
	}
	return m
}

// Drop reasons.
const (
	dropQueueFull  = "queue_full"
	dropWriteError = "write_error"
	dropTooLarge   = "too_large"
)
