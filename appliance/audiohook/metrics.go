package audiohook

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the AudioHook collectors, shared by the server and client
// roles (a role label tells them apart). The audio counters are resolved
// once here, so the audio path does no label lookup.
type Metrics struct {
	sessions      *prometheus.GaugeVec
	sessionsTotal *prometheus.CounterVec
	messages      *prometheus.CounterVec
	sigFailures   *prometheus.CounterVec
	protoErrors   *prometheus.CounterVec
	upgrades      *prometheus.CounterVec
	audioBytes    *prometheus.CounterVec
	audioFrames   *prometheus.CounterVec
	rtt           *prometheus.HistogramVec

	serverAudioBytes, serverAudioFrames prometheus.Counter // received by the server
	clientAudioBytes, clientAudioFrames prometheus.Counter // sent by the client
}

// NewMetrics creates the collectors and registers them with reg. A nil reg
// leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cogito_edge_audiohook_sessions",
			Help: "Live AudioHook sessions by role (server, client) and state (connected, opening, active, paused, closing).",
		}, []string{"role", "state"}),
		sessionsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_sessions_total",
			Help: "Ended AudioHook sessions by role and outcome (closed, probe, disconnected, error, lost).",
		}, []string{"role", "outcome"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_messages_total",
			Help: "AudioHook text messages by type and direction (in, out).",
		}, []string{"type", "direction"}),
		sigFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_signature_failures_total",
			Help: "Upgrade requests refused by signature verification, by reason.",
		}, []string{"reason"}),
		protoErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_protocol_errors_total",
			Help: "AudioHook protocol errors by role, code and origin (local: detected here; peer: reported by the peer).",
		}, []string{"role", "code", "origin"}),
		upgrades: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_upgrade_rejections_total",
			Help: "HTTP upgrade requests the server refused, by status code.",
		}, []string{"status"}),
		audioBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_audio_bytes_total",
			Help: "Audio payload bytes by role and direction.",
		}, []string{"role", "direction"}),
		audioFrames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cogito_edge_audiohook_audio_frames_total",
			Help: "Binary audio frames by role and direction.",
		}, []string{"role", "direction"}),
		rtt: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cogito_edge_audiohook_ping_rtt_seconds",
			Help:    "Round-trip time of AudioHook ping/pong, as the client measured it.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 12), // 1 ms .. 2 s
		}, []string{"role"}),
	}
	m.serverAudioBytes = m.audioBytes.WithLabelValues(string(RoleServer), "in")
	m.serverAudioFrames = m.audioFrames.WithLabelValues(string(RoleServer), "in")
	m.clientAudioBytes = m.audioBytes.WithLabelValues(string(RoleClient), "out")
	m.clientAudioFrames = m.audioFrames.WithLabelValues(string(RoleClient), "out")
	for _, r := range signatureReasons {
		m.sigFailures.WithLabelValues(r.reason)
	}
	if reg != nil {
		reg.MustRegister(m.sessions, m.sessionsTotal, m.messages, m.sigFailures, m.protoErrors,
			m.upgrades, m.audioBytes, m.audioFrames, m.rtt)
	}
	return m
}

// metricsOr returns m, or unregistered collectors for a nil m.
func metricsOr(m *Metrics) *Metrics {
	if m == nil {
		return NewMetrics(nil)
	}
	return m
}

// state moves one session of role from state from to state to ("" is none).
func (m *Metrics) state(role Role, from, to string) {
	if from == to {
		return
	}
	if from != "" {
		m.sessions.WithLabelValues(string(role), from).Dec()
	}
	if to != "" {
		m.sessions.WithLabelValues(string(role), to).Inc()
	}
}

func (m *Metrics) ended(role Role, outcome string) {
	m.sessionsTotal.WithLabelValues(string(role), outcome).Inc()
}

func (m *Metrics) message(t Type, direction string) {
	m.messages.WithLabelValues(string(t), direction).Inc()
}

// protocolError counts an error code; codes outside the AudioHook set
// (a peer may send any 400-9999) share the label "other".
func (m *Metrics) protocolError(role Role, code int, origin string) {
	label := "other"
	switch code {
	case CodeBadRequest, CodeMethodNotAllowed, CodeRequestTimeout, CodeConflict, CodePayloadTooLarge,
		CodeUnsupportedMedia, CodeTooManyRequests, CodeInternalServerError, CodeServiceUnavailable:
		label = strconv.Itoa(code)
	}
	m.protoErrors.WithLabelValues(string(role), label, origin).Inc()
}

func (m *Metrics) signatureFailure(err error) {
	m.sigFailures.WithLabelValues(SignatureFailureReason(err)).Inc()
}

func (m *Metrics) upgradeRejected(status int) {
	m.upgrades.WithLabelValues(strconv.Itoa(status)).Inc()
}

// signatureReasons names each signature failure for the metric label.
var signatureReasons = [...]struct {
	err    error
	reason string
}{
	{ErrMissingAPIKey, "missing_api_key"},
	{ErrUnsigned, "unsigned"},
	{ErrSignatureSyntax, "malformed"},
	{ErrMissingComponent, "missing_component"},
	{ErrKeyIDMismatch, "keyid_mismatch"},
	{ErrAlgorithm, "algorithm"},
	{ErrExpired, "expired"},
	{ErrCreatedInFuture, "created_in_future"},
	{ErrNonceTooShort, "nonce_too_short"},
	{ErrNonceReused, "nonce_reused"},
	{ErrReplayCacheFull, "replay_cache_full"},
	{ErrUnknownKey, "unknown_key"},
	{ErrSignatureMismatch, "mismatch"},
}

// SignatureFailureReason names a signature failure as the metric label
// does ("expired", "nonce_reused", ...); "other" for anything else.
func SignatureFailureReason(err error) string {
	for _, r := range signatureReasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "other"
}
