package media

import (
	"net/netip"
	"time"
)

// MaxGaps bounds the gap list of a session; further gaps are only counted
// (SessionStats.GapsDropped), so a call with a broken leg cannot grow
// without bound.
const MaxGaps = 1000

// StreamStats are one stream's counters, cumulative for the session (they
// survive SSRC changes and restarts). Durations are nanoseconds in JSON.
type StreamStats struct {
	// Label is the m-line's a=label, Port its local RTP port.
	Label string `json:"label,omitempty"`
	Port  int    `json:"port"`
	// Channel is where the stream is mixed ("external" or "internal").
	Channel Channel `json:"channel"`
	// Codec is the last audio codec received, "" before any audio.
	Codec string `json:"codec,omitempty"`
	// SRTP tells whether the stream is decrypted.
	SRTP bool `json:"srtp"`
	// Source is the latched peer address, SSRC the current source.
	Source      netip.AddrPort `json:"source"`
	SSRC        uint32         `json:"ssrc"`
	SSRCChanges uint64         `json:"ssrc_changes"`
	// Packets and Bytes count accepted packets, duplicates included.
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	// Expected, Received and Lost follow RFC 3550 A.3 from sequence
	// numbers: Received counts unique packets, Lost = Expected - Received.
	Expected uint64 `json:"expected"`
	Received uint64 `json:"received"`
	Lost     uint64 `json:"lost"`
	// Late counts packets (wholly or partly) behind the playout point.
	Late uint64 `json:"late"`
	// Duplicates counts repeated sequence numbers. With SRTP the replay
	// window rejects them first, as dropped "srtp_replay".
	Duplicates uint64 `json:"duplicates"`
	// Reanchors counts jitter buffer re-anchors (drift, timestamp jumps,
	// sequence restarts); Overruns packets beyond the buffer.
	Reanchors uint64 `json:"reanchors"`
	Overruns  uint64 `json:"overruns"`
	// Events counts telephone-events (DTMF digits), EventPackets their
	// packets; they are never mixed into the audio.
	Events       uint64 `json:"events"`
	EventPackets uint64 `json:"event_packets"`
	// Jitter is the RFC 3550 interarrival jitter estimate.
	Jitter time.Duration `json:"jitter_ns"`
	// Dropped counts datagrams dropped before the jitter buffer, by reason:
	// inactive, wrong_source, bad_rtp, rtcp, unknown_payload,
	// srtp_auth_fail, srtp_replay, ssrc_conflict. Zero counts are omitted.
	Dropped map[string]uint64 `json:"dropped,omitempty"`
}

// Gap is a run of concealed (silent) samples on one channel, in session
// clock time.
type Gap struct {
	// Channel is the side that was silent.
	Channel Channel `json:"channel"`
	// Start is the gap's position on the session clock (as Frame.Start).
	Start time.Duration `json:"start_ns"`
	// Duration is the gap's length, a whole number of samples.
	Duration time.Duration `json:"duration_ns"`
}

// SessionStats is a snapshot of a session for the admin API and the
// recording JSON.
type SessionStats struct {
	// ID is the id given to NewSession.
	ID string `json:"id"`
	// State is created, active, held, inactive or closed.
	State string `json:"state"`
	// ClockStart is when the session clock started (zero before the first
	// Activate); frame and gap times count from it.
	ClockStart time.Time `json:"clock_start,omitzero"`
	// Frames counts the frames handed to the sink.
	Frames uint64 `json:"frames"`
	// Held is the clock time that passed without frames after the first
	// activation: held (Pause) or deactivated.
	Held time.Duration `json:"held_ns"`
	// Concealed counts silent samples per channel (0 external, 1 internal).
	// A channel with no stream counts as concealed throughout.
	Concealed [2]uint64 `json:"concealed_samples"`
	// Streams are the per-stream counters, in AddStream order.
	Streams []StreamStats `json:"streams"`
	// Gaps lists the concealed runs per channel, up to MaxGaps; a gap still
	// open is included up to the last frame. GapsDropped counts the rest.
	Gaps        []Gap  `json:"gaps"`
	GapsDropped uint64 `json:"gaps_dropped,omitempty"`
}

// gapLog turns per-sample presence into gap ranges, per channel.
type gapLog struct {
	open    [2]bool
	start   [2]int64 // session position of the open gap's first sample
	gaps    []Gap
	dropped uint64
	m       *Metrics
}

// frame records the presence flags of one channel of a frame at pos, of
// which missing are 0. Whole frames present or absent, the common cases,
// skip the per-sample scan.
func (g *gapLog) frame(ch int, pos int64, have []uint8, missing int) {
	switch {
	case missing == 0:
		if g.open[ch] {
			g.closeAt(ch, pos)
		}
		return
	case missing == len(have):
		if !g.open[ch] {
			g.open[ch], g.start[ch] = true, pos
		}
		return
	}
	for i, h := range have {
		switch {
		case h == 0 && !g.open[ch]:
			g.open[ch], g.start[ch] = true, pos+int64(i)
		case h != 0 && g.open[ch]:
			g.closeAt(ch, pos+int64(i))
		}
	}
}

// closeAll ends the open gaps at pos: the clock jumps (hold) or stops.
func (g *gapLog) closeAll(pos int64) {
	for ch := range g.open {
		if g.open[ch] {
			g.closeAt(ch, pos)
		}
	}
}

func (g *gapLog) closeAt(ch int, end int64) {
	g.open[ch] = false
	g.m.gaps.Inc()
	if len(g.gaps) >= MaxGaps {
		g.dropped++
		return
	}
	g.gaps = append(g.gaps, gapOf(ch, g.start[ch], end))
}

// snapshot returns the gaps including the open ones, up to end.
func (g *gapLog) snapshot(end int64) []Gap {
	out := make([]Gap, len(g.gaps), len(g.gaps)+2)
	copy(out, g.gaps)
	for ch := range g.open {
		if g.open[ch] && len(out) < MaxGaps {
			out = append(out, gapOf(ch, g.start[ch], end))
		}
	}
	return out
}

func gapOf(ch int, start, end int64) Gap {
	return Gap{
		Channel:  Channel(ch),
		Start:    time.Duration(start) * sampleDuration,
		Duration: time.Duration(end-start) * sampleDuration,
	}
}
