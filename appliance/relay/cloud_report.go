package relay

import "time"

// CloudReport is what a cloud recording says about its delivery: the
// AudioHook sessions it took, the outages between them, and the audio the
// cloud never got. With a local sink too (sink: both) it goes into the
// recording's JSON under "cloud" (see BothStore). Positions (at_seconds)
// are stream positions, which are positions in the local WAV as well:
// both count the audio written outside holds.
type CloudReport struct {
	ConversationID string `json:"conversation_id"`
	// Status is delivered (every sample acknowledged or closed cleanly),
	// incomplete (some audio lost or unconfirmed), or disconnected (the
	// cloud ended the session early).
	Status string `json:"status"`
	// EndReason says how the stream ended: closed, disconnected:<reason>,
	// close_timeout, ...
	EndReason string               `json:"end_reason,omitempty"`
	Sessions  []CloudSessionReport `json:"sessions,omitempty"`
	// SessionsDropped counts sessions beyond the list's bound.
	SessionsDropped int           `json:"sessions_dropped,omitempty"`
	Outages         []CloudOutage `json:"outages,omitempty"`
	OutagesDropped  int           `json:"outages_dropped,omitempty"`
	// Reconnects counts connection attempts after the first session.
	Reconnects int `json:"reconnects"`
	// StreamSeconds is the audio written to the recording (outside holds).
	StreamSeconds float64 `json:"stream_seconds"`
	// SentSeconds is the audio handed to sessions, resends included;
	// ResentSeconds the part sent again after a reconnect.
	SentSeconds   float64 `json:"sent_seconds"`
	ResentSeconds float64 `json:"resent_seconds,omitempty"`
	// BufferMaxSeconds is the most audio the buffer held.
	BufferMaxSeconds float64 `json:"buffer_max_seconds"`
	// Dropped is the audio the cloud never got: overflow (an outage longer
	// than the buffer; the cloud was told with discarded) or undelivered
	// (still buffered when the recording closed).
	Dropped Dropped `json:"dropped"`
	// UnconfirmedSeconds is audio sent but never acknowledged before it
	// left the buffer: the cloud may or may not have it.
	UnconfirmedSeconds float64 `json:"unconfirmed_seconds,omitempty"`
	// Holds counts the CTI holds streamed as paused/resumed; ServerPauses
	// the pauses the cloud asked for.
	Holds        int `json:"holds,omitempty"`
	ServerPauses int `json:"server_pauses,omitempty"`
	// PausedFrames counts frames not streamed during holds; FramesAfterEnd
	// frames that arrived after the cloud ended the session.
	PausedFrames   uint64 `json:"paused_frames,omitempty"`
	FramesAfterEnd uint64 `json:"frames_after_end,omitempty"`
	// Error is the last connection or session error, if any.
	Error string `json:"error,omitempty"`
}

// CloudSessionReport is one AudioHook session of a recording.
type CloudSessionReport struct {
	ID string `json:"id"`
	// Continued is true for a continued session (after a reconnect);
	// StartSeconds is the position it started at.
	Continued    bool      `json:"continued,omitempty"`
	StartSeconds float64   `json:"start_seconds"`
	Opened       time.Time `json:"opened"`
	Ended        time.Time `json:"ended,omitzero"`
	// Outcome is closed, reconnect (replaced on a server's request),
	// lost, disconnected:<reason> or error.
	Outcome string `json:"outcome,omitempty"`
}

// CloudOutage is a time without a session to the cloud, from a lost
// connection until a continued session opened (or the recording ended).
type CloudOutage struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"`
	Seconds float64   `json:"seconds"`
	// AtSeconds is the stream position when the connection was lost.
	AtSeconds float64 `json:"at_seconds"`
	Cause     string  `json:"cause,omitempty"`
}

// CloudReporter is a recording that streams to the cloud: a
// *CloudRecording, or a BothStore's recording. The admin API or the
// appliance can type-assert a Recording to it.
type CloudReporter interface {
	Report() CloudReport
}

var (
	_ CloudReporter = (*CloudRecording)(nil)
	_ CloudReporter = (*bothRecording)(nil)
)

// Cloud report statuses.
const (
	CloudDelivered    = "delivered"
	CloudIncomplete   = "incomplete"
	CloudDisconnected = "disconnected"
)

// Bounds on a report's lists.
const (
	maxCloudSessions = 64
	maxCloudOutages  = 64
)

// addSessionLocked records an opened session.
func (r *CloudRecording) addSessionLocked(s CloudSessionReport) {
	if len(r.rep.Sessions) >= maxCloudSessions {
		r.rep.SessionsDropped++
		return
	}
	r.rep.Sessions = append(r.rep.Sessions, s)
}

// endSessionLocked completes the report of the session with id.
func (r *CloudRecording) endSessionLocked(id, outcome string, at time.Time) {
	for i := len(r.rep.Sessions) - 1; i >= 0; i-- {
		if s := &r.rep.Sessions[i]; s.ID == id {
			if s.Ended.IsZero() {
				s.Ended, s.Outcome = at, outcome
			}
			return
		}
	}
}

// startOutageLocked opens an outage at stream position pos.
func (r *CloudRecording) startOutageLocked(at time.Time, pos int64, cause string) {
	if n := len(r.rep.Outages); n > 0 && r.rep.Outages[n-1].End.IsZero() {
		return
	}
	if len(r.rep.Outages) >= maxCloudOutages {
		r.rep.OutagesDropped++
		return
	}
	r.rep.Outages = append(r.rep.Outages, CloudOutage{Start: at, AtSeconds: seconds(uint64(pos)), Cause: cause})
}

// endOutageLocked closes the open outage, if any.
func (r *CloudRecording) endOutageLocked(at time.Time) {
	if n := len(r.rep.Outages); n > 0 && r.rep.Outages[n-1].End.IsZero() {
		o := &r.rep.Outages[n-1]
		o.End, o.Seconds = at, at.Sub(o.Start).Seconds()
	}
}

// dropLocked records samples per channel the cloud will never get, from
// stream position at.
func (r *CloudRecording) dropLocked(at, n int64, reason string) {
	if n <= 0 {
		return
	}
	d := &r.rep.Dropped
	d.SamplesPerChannel += uint64(n)
	// Overflow drops during one outage are contiguous: one interval.
	switch k := len(d.Intervals); {
	case k > 0 && at == r.dropEnd && d.Intervals[k-1].Reason == reason:
		d.Intervals[k-1].Seconds = seconds(uint64(at + n - r.dropStart))
		r.dropEnd = at + n
	case k < maxDrops:
		d.Intervals = append(d.Intervals, DropInterval{AtSeconds: seconds(uint64(at)), Seconds: seconds(uint64(n)), Reason: reason})
		r.dropStart, r.dropEnd = at, at+n
	default:
		r.dropEnd = -1
	}
}

// Report returns a snapshot of the recording's delivery report; after
// Close it is final.
func (r *CloudRecording) Report() CloudReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := r.rep
	rep.Sessions = cloneOrNil(r.rep.Sessions)
	rep.Outages = cloneOrNil(r.rep.Outages)
	rep.Dropped.Intervals = cloneOrNil(r.rep.Dropped.Intervals)
	rep.StreamSeconds = seconds(uint64(r.ring.end))
	rep.SentSeconds = seconds(uint64(r.sent))
	rep.ResentSeconds = seconds(uint64(r.resent))
	rep.BufferMaxSeconds = seconds(uint64(r.fillMax))
	rep.UnconfirmedSeconds = seconds(uint64(r.unconfirmed))
	rep.PausedFrames = r.pausedFrames
	rep.FramesAfterEnd = r.afterEnd
	return rep
}
