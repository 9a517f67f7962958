package relay

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Cloud recording states, the label of the sessions gauge.
const (
	cloudConnecting = "connecting" // no AudioHook session: first connect or reconnecting
	cloudActive     = "active"     // streaming
	cloudPaused     = "paused"     // on hold (CTI) or paused by the server
	cloudClosing    = "closing"    // Close is delivering the rest
)

var cloudStates = [...]string{cloudConnecting, cloudActive, cloudPaused, cloudClosing}

// Reasons audio is dropped from the cloud stream.
const (
	cloudDropOverflow    = "overflow"    // the outage outlasted the buffer
	cloudDropUndelivered = "undelivered" // still buffered when Close gave up
)

// CloudMetrics are the cloud sink's collectors (cogito_edge_relay_cloud_*).
// The per-frame counters are resolved once, so WriteFrame does no label
// lookup.
type CloudMetrics struct {
	sessions      *prometheus.GaugeVec
	state         map[string]prometheus.Gauge
	opened        *prometheus.CounterVec
	openedNew     prometheus.Counter
	openedCont    prometheus.Counter
	reconnects    prometheus.Counter
	connectFails  prometheus.Counter
	ended         *prometheus.CounterVec
	bytes         prometheus.Counter
	frames        prometheus.Counter
	dropped       *prometheus.CounterVec
	droppedOver   prometheus.Counter
	pausedFrames  prometheus.Counter
	invalidFrames prometheus.Counter
	latency       prometheus.Histogram

	// buffered is the audio held in every ring (samples per channel) and
	// bufferMax the most one ring ever held; read at scrape time.
	buffered  atomic.Int64
	bufferMax atomic.Int64
}

// NewCloudMetrics creates the cloud sink's collectors and registers them
// with reg; a nil reg leaves them unregistered, which suits tests.
func NewCloudMetrics(reg prometheus.Registerer) *CloudMetrics {
	m := &CloudMetrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cogito_edge_relay_cloud_sessions",
			Help: "Calls streaming to the cloud by state (connecting: no AudioHook session yet or reconnecting; active; paused; closing).",
		}, []string{"state"}),
		opened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_sessions_opened_total",
			Help: "AudioHook sessions opened to the cloud, by kind (new, continued).",
		}, []string{"kind"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_reconnects_total",
			Help: "Connection attempts after a lost connection or a server's reconnect request.",
		}),
		connectFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_connect_failures_total",
			Help: "Connection attempts that failed (dial, upgrade, open).",
		}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_recordings_ended_total",
			Help: "Closed cloud recordings by outcome (delivered, incomplete, disconnected).",
		}, []string{"outcome"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_bytes_sent_total",
			Help: "Audio bytes (stereo PCMU) handed to AudioHook sessions, resends included.",
		}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_frames_sent_total",
			Help: "Binary audio frames handed to AudioHook sessions, resends included.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_audio_dropped_seconds_total",
			Help: "Audio never delivered to the cloud, by reason (overflow: an outage outlasted the buffer; undelivered: still buffered when the recording closed).",
		}, []string{"reason"}),
		pausedFrames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_paused_frames_total",
			Help: "Frames not streamed because the recording was on hold.",
		}),
		invalidFrames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cogito_edge_relay_cloud_invalid_frames_total",
			Help: "Frames rejected as not interleaved stereo.",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "cogito_edge_relay_cloud_send_latency_seconds",
			Help:    "Age of audio when it is handed to the WebSocket: batching, plus any backlog after an outage.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14), // 5 ms .. 41 s
		}),
	}
	m.state = make(map[string]prometheus.Gauge, len(cloudStates))
	for _, s := range cloudStates {
		m.state[s] = m.sessions.WithLabelValues(s)
	}
	m.openedNew = m.opened.WithLabelValues("new")
	m.openedCont = m.opened.WithLabelValues("continued")
	m.droppedOver = m.dropped.WithLabelValues(cloudDropOverflow)
	m.dropped.WithLabelValues(cloudDropUndelivered)
	for _, o := range []string{"delivered", "incomplete", "disconnected"} {
		m.ended.WithLabelValues(o)
	}
	buffer := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cogito_edge_relay_cloud_buffer_seconds",
		Help: "Audio held in the cloud recordings' buffers (not yet acknowledged by the cloud), summed over recordings.",
	}, func() float64 { return float64(m.buffered.Load()) / SampleRate })
	bufferMax := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "cogito_edge_relay_cloud_buffer_max_seconds",
		Help: "The most audio one cloud recording's buffer has held since start.",
	}, func() float64 { return float64(m.bufferMax.Load()) / SampleRate })
	if reg != nil {
		reg.MustRegister(m.sessions, m.opened, m.reconnects, m.connectFails, m.ended, m.bytes, m.frames,
			m.dropped, m.pausedFrames, m.invalidFrames, m.latency, buffer, bufferMax)
	}
	return m
}

// move shifts one recording between states ("" is none).
func (m *CloudMetrics) move(from, to string) {
	if from == to {
		return
	}
	if g := m.state[from]; g != nil {
		g.Dec()
	}
	if g := m.state[to]; g != nil {
		g.Inc()
	}
}

// fill records a ring's new fill (samples) given its previous one.
func (m *CloudMetrics) fill(prev, now int64) {
	if d := now - prev; d != 0 {
		m.buffered.Add(d)
	}
	for {
		hi := m.bufferMax.Load()
		if now <= hi || m.bufferMax.CompareAndSwap(hi, now) {
			return
		}
	}
}
