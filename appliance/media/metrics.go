package media

import "github.com/prometheus/client_golang/prometheus"

// dropReason says why a datagram was dropped before reaching the jitter
// buffer. The values index fixed arrays, so counting a drop never allocates.
type dropReason uint8

const (
	dropInactive       dropReason = iota // stream not active (pending, deactivated, closing)
	dropWrongSource                      // not from the negotiated peer IP, or not the latched port
	dropBadRTP                           // not RTP version 2, truncated, oversized, bad padding
	dropRTCP                             // RTCP multiplexed on the RTP port (RFC 5761); not used
	dropUnknownPayload                   // payload type not in the negotiated map
	dropSRTPAuthFail                     // SRTP authentication tag did not verify
	dropSRTPReplay                       // SRTP index already seen or too old for the replay window
	dropSSRCConflict                     // a second SSRC while the current one is still sending
	numDropReasons
)

// String returns the metric label value, which is also the key in
// StreamStats.Dropped: a stable contract for dashboards.
func (r dropReason) String() string {
	switch r {
	case dropInactive:
		return "inactive"
	case dropWrongSource:
		return "wrong_source"
	case dropBadRTP:
		return "bad_rtp"
	case dropRTCP:
		return "rtcp"
	case dropUnknownPayload:
		return "unknown_payload"
	case dropSRTPAuthFail:
		return "srtp_auth_fail"
	case dropSRTPReplay:
		return "srtp_replay"
	case dropSSRCConflict:
		return "ssrc_conflict"
	}
	return "other"
}

// Metrics are the media plane's Prometheus collectors. One Metrics is
// shared by an Engine, its port pool and all its sessions.
type Metrics struct {
	packets       prometheus.Counter
	bytes         prometheus.Counter
	dropped       [numDropReasons]prometheus.Counter
	srtpAuthFail  prometheus.Counter
	late          prometheus.Counter
	duplicates    prometheus.Counter
	reanchors     prometheus.Counter
	ssrcChanges   prometheus.Counter
	concealed     prometheus.Counter
	gaps          prometheus.Counter
	streamsActive prometheus.Gauge
	streams       prometheus.Gauge
	sessions      prometheus.Gauge
	portsFree     prometheus.Gauge
	portsUsed     prometheus.Gauge
	frames        prometheus.Counter
	lateTicks     prometheus.Counter
	catchUp       prometheus.Counter
	skipped       prometheus.Counter
	sinkErrors    prometheus.Counter
}

// NewMetrics creates the media collectors and registers them with reg. A
// nil reg leaves them unregistered, which suits tests.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "cogito_edge_media_" + name, Help: help})
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "cogito_edge_media_" + name, Help: help})
	}
	droppedVec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cogito_edge_media_packets_dropped_total",
		Help: "Datagrams dropped before the jitter buffer, by reason (inactive, wrong_source, bad_rtp, rtcp, unknown_payload, srtp_auth_fail, srtp_replay, ssrc_conflict).",
	}, []string{"reason"})
	m := &Metrics{
		packets:       counter("packets_received_total", "RTP packets accepted from the negotiated source (after SRTP)."),
		bytes:         counter("bytes_received_total", "UDP payload bytes of accepted RTP packets."),
		srtpAuthFail:  counter("srtp_auth_failures_total", "SRTP packets whose authentication tag did not verify (also counted as dropped reason=srtp_auth_fail)."),
		late:          counter("late_packets_total", "Packets that arrived after their audio was played out."),
		duplicates:    counter("duplicate_packets_total", "Packets whose sequence number was already received."),
		reanchors:     counter("jitter_reanchors_total", "Jitter buffer re-anchors: clock drift, timestamp jumps, sequence restarts."),
		ssrcChanges:   counter("ssrc_changes_total", "New RTP sources taking over a stream (re-INVITE, transfer)."),
		concealed:     counter("concealed_samples_total", "Samples per channel played as silence because no audio was there."),
		gaps:          counter("gaps_total", "Runs of concealed samples (gaps) per channel."),
		streamsActive: gauge("streams_active", "Streams currently accepting audio."),
		streams:       gauge("streams", "Streams with a bound socket."),
		sessions:      gauge("sessions", "Open media sessions."),
		portsFree:     gauge("ports_free", "RTP port pairs free in the pool."),
		portsUsed:     gauge("ports_used", "RTP port pairs leased from the pool."),
		frames:        counter("frames_total", "Stereo frames handed to sinks."),
		lateTicks:     counter("late_ticks_total", "Clock ticks that fired more than one frame period late."),
		catchUp:       counter("catchup_frames_total", "Frames produced late by a catch-up after a late tick."),
		skipped:       counter("skipped_frames_total", "Frames skipped because the clock was stalled longer than the catch-up bound."),
		sinkErrors:    counter("sink_errors_total", "Frames a sink refused."),
	}
	for r := range numDropReasons {
		// Resolve every label once: WithLabelValues on the hot path would
		// hash the label on each packet.
		m.dropped[r] = droppedVec.WithLabelValues(r.String())
	}
	if reg != nil {
		reg.MustRegister(m.packets, m.bytes, droppedVec, m.srtpAuthFail, m.late, m.duplicates,
			m.reanchors, m.ssrcChanges, m.concealed, m.gaps, m.streamsActive, m.streams,
			m.sessions, m.portsFree, m.portsUsed, m.frames, m.lateTicks, m.catchUp,
			m.skipped, m.sinkErrors)
	}
	return m
}
