package genesys

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Metrics are the tracker's Prometheus collectors, all named
// cogito_edge_genesys_*.
type Metrics struct {
	tokenRefreshes *prometheus.CounterVec
	requests       *prometheus.CounterVec
	rateLimited    prometheus.Counter
	users          prometheus.Gauge
	untracked      prometheus.Gauge
	channels       prometheus.Gauge
	connected      prometheus.Gauge
	topics         prometheus.Gauge
	rejected       prometheus.Gauge
	notifications  *prometheus.CounterVec
	events         *prometheus.CounterVec
	reconnects     *prometheus.CounterVec
	replacements   *prometheus.CounterVec
	reconciles     *prometheus.CounterVec
	topicRetries   *prometheus.CounterVec
	conversations  prometheus.GaugeFunc
	convFn         atomic.Pointer[func() float64]
	// lastEvent is the UnixNano of the last conversation notification; 0
	// none. now is the clock read by the age gauge.
	lastEvent atomic.Int64
	now       atomic.Pointer[func() time.Time]
}

// Labels of the notifications counter.
const (
	noteConversation = "conversation"
	noteDuplicate    = "duplicate"
	noteHeartbeat    = "heartbeat"
	notePong         = "pong"
	noteClosing      = "socket_closing"
	noteGone         = "channel_gone"
	noteOther        = "other"
	noteMalformed    = "malformed"
)

// Reasons of the reconnects and replacements counters.
const (
	reasonHeartbeat = "heartbeat"
	reasonClosing   = "socket_closing"
	reasonError     = "error"
	reasonGone      = "channel_gone"
	reasonRenewal   = "renewal"
)

// Results of the topic retries counter.
const (
	retryAccepted = "accepted"
	retryRejected = "rejected"
	retryError    = "error"
)

// NewMetrics creates the tracker's collectors and registers them with reg.
// A nil reg leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns = "cogito_edge_genesys_"
	m := &Metrics{
		tokenRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "token_refreshes_total",
			Help: "OAuth client-credentials tokens requested, by result (ok, error)."}, []string{"result"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "api_requests_total",
			Help: "Platform API requests, by operation and HTTP status (error: no response)."}, []string{"op", "code"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "rate_limited_total",
			Help: "API requests answered 429 and retried after Retry-After."}),
		users: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "users",
			Help: "Agents (users) whose conversations are followed."}),
		untracked: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "untracked_users",
			Help: "Agents not followed because the channel limit is reached (20 channels x 1,000 topics)."}),
		channels: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "channels",
			Help: "Notification channels in use (including one being replaced)."}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "channels_connected",
			Help: "Notification channels with a connected WebSocket."}),
		topics: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "topics",
			Help: "Topics subscribed (v2.users.{id}.conversations)."}),
		rejected: prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "topics_rejected",
			Help: "Topics Genesys refused (state Rejected, usually a missing permission)."}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "notifications_total",
			Help: "WebSocket messages received, by kind (conversation, duplicate, heartbeat, pong, socket_closing, channel_gone, other, malformed)."},
			[]string{"kind"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "events_total",
			Help: "CTI events emitted, by type (start, hold, resume, end)."}, []string{"type"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "reconnects_total",
			Help: "WebSocket reconnections, by reason (heartbeat, socket_closing, error)."}, []string{"reason"}),
		replacements: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "channel_replacements_total",
			Help: "Channels replaced by a new one, by reason (channel_gone, renewal)."}, []string{"reason"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "reconciled_conversations_total",
			Help: "Conversations read back after a reconnect, by result (ok, changed, gone, stale, error)."}, []string{"result"}),
		topicRetries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "topic_retries_total",
			Help: "Subscriptions of refused topics tried again (after a backoff, then at each user refresh), " +
				"by result (accepted: none refused any more, rejected: some still refused, error: request failed)."},
			[]string{"result"}),
	}
	m.conversations = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: ns + "conversations",
		Help: "Conversations with an agent leg not yet ended."}, func() float64 {
		if f := m.convFn.Load(); f != nil {
			return (*f)()
		}
		return 0
	})
	sys := time.Now
	m.now.Store(&sys)
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: ns + "last_event_age_seconds",
		Help: "Seconds since the last conversation notification; +Inf before the first."}, m.lastEventAge)
	for _, r := range []string{"ok", "error"} {
		m.tokenRefreshes.WithLabelValues(r)
	}
	for _, t := range []cti.Type{cti.Start, cti.Hold, cti.Resume, cti.End} {
		m.events.WithLabelValues(string(t))
	}
	for _, r := range []string{reasonHeartbeat, reasonClosing, reasonError} {
		m.reconnects.WithLabelValues(r)
	}
	for _, r := range []string{reasonGone, reasonRenewal} {
		m.replacements.WithLabelValues(r)
	}
	for _, r := range []string{retryAccepted, retryRejected, retryError} {
		m.topicRetries.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.tokenRefreshes, m.requests, m.rateLimited, m.users, m.untracked, m.channels,
			m.connected, m.topics, m.rejected, m.notifications, m.events, m.reconnects, m.replacements,
			m.reconciles, m.topicRetries, m.conversations, age)
	}
	return m
}

func (m *Metrics) lastEventAge() float64 {
	last := m.lastEvent.Load()
	if last == 0 {
		return math.Inf(1)
	}
	now := (*m.now.Load())()
	return max(0, now.Sub(time.Unix(0, last)).Seconds())
}

// useClock makes the age gauge read c.
func (m *Metrics) useClock(c Clock) {
	f := c.Now
	m.now.Store(&f)
}

// setConversations makes the conversations gauge read f.
func (m *Metrics) setConversations(f func() float64) { m.convFn.Store(&f) }

func (m *Metrics) note(kind string) { m.notifications.WithLabelValues(kind).Inc() }
