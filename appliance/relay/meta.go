package relay

import (
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// RecordingMeta describes a session when its recording opens.
type RecordingMeta struct {
	// SessionID names the files; it is sanitised (see Open).
	SessionID    string
	Keys         callkey.Set
	Participants []Participant
	// Direction is the CTI direction: inbound, outbound or empty.
	Direction string
	AgentID   string
	// Agents lists the agents the call was with so far, oldest first.
	Agents []AgentTurn
	// ConversationID is the Genesys conversation id the session learned
	// from CTI (a start matched by UCID carries it), empty when unknown.
	// It names the cloud recording (see ConversationID) and, as a
	// conversation key, belongs in Keys too.
	ConversationID string
	OfferedAt      time.Time
	ActivatedAt    time.Time
}

// AgentTurn is one agent of a call and since when the call was with it.
type AgentTurn struct {
	AgentID string    `json:"agent_id"`
	Since   time.Time `json:"since,omitzero"`
}

// Participant is one party of the recorded call, from the SIPREC metadata.
type Participant struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	AOR  string `json:"aor,omitempty"`
	// Role is the channel the participant is heard on: external or internal.
	Role string `json:"role,omitempty"`
}

// FinalMeta is what the caller knows when the session ends.
type FinalMeta struct {
	EndedAt time.Time
	// Reason is why the session ended (the gate's end reason, "bye", ...).
	Reason string
	// AgentID and Direction replace the opening values when not empty: a
	// transfer changes the agent during the call.
	AgentID   string
	Direction string
	// Keys are added to the opening keys: keys learned during the call
	// (x-inin-cnv after answer, the conversation id of a CTI start) belong
	// in the final JSON.
	Keys callkey.Set
	// Agents replaces the opening list when not empty: every agent the
	// call was with, oldest first, as the gate knows them at the end.
	Agents  []AgentTurn
	Streams []StreamStats
}

// AddSession completes f with the gate's view of the session at its end:
// every key it learned (a CTI start's conversation id among them), the
// agent the call is with now (after a transfer, the new one), the
// direction, and every agent in turn.
func (f *FinalMeta) AddSession(snap gate.Snapshot) {
	f.Keys.AddAll(snap.Keys)
	if snap.AgentID != "" {
		f.AgentID = snap.AgentID
	}
	if snap.Direction != "" {
		f.Direction = string(snap.Direction)
	}
	if len(snap.Agents) > 0 {
		f.Agents = make([]AgentTurn, len(snap.Agents))
		for i, t := range snap.Agents {
			f.Agents[i] = AgentTurn{AgentID: t.AgentID, Since: t.Since}
		}
	}
}

// StreamStats are one RTP stream's counters as the media side reports them.
type StreamStats struct {
	Label string `json:"label"`
	// Channel is external or internal.
	Channel    string  `json:"channel"`
	Codec      string  `json:"codec,omitempty"`
	SSRC       uint32  `json:"ssrc,omitempty"`
	SRTP       bool    `json:"srtp,omitempty"`
	Packets    uint64  `json:"packets"`
	Bytes      uint64  `json:"bytes,omitempty"`
	Lost       uint64  `json:"lost"`
	Late       uint64  `json:"late,omitempty"`
	Duplicates uint64  `json:"duplicates,omitempty"`
	JitterMS   float64 `json:"jitter_ms,omitempty"`
}

// Manifest is the JSON written next to each WAV: once when the recording
// opens (status "recording") and again when it closes ("complete"), each
// time atomically. It is exported so that tools and the lab can read it.
type Manifest struct {
	Version      int           `json:"version"`
	SessionID    string        `json:"session_id"`
	Status       string        `json:"status"`
	File         string        `json:"file"`
	Format       Format        `json:"format"`
	Keys         callkey.Set   `json:"keys"`
	Participants []Participant `json:"participants,omitempty"`
	Direction    string        `json:"direction,omitempty"`
	// AgentID is the last agent the call was with (after a transfer, the
	// agent it was transferred to); Agents lists them all, oldest first.
	AgentID string      `json:"agent_id,omitempty"`
	Agents  []AgentTurn `json:"agents,omitempty"`
	Times   Times       `json:"times"`
	// DurationSeconds is the audio in the WAV file.
	DurationSeconds float64 `json:"duration_seconds"`
	// Frames counts frames accepted (not paused, not malformed).
	Frames uint64 `json:"frames"`
	// SamplesPerChannel and DataBytes are what reached the file.
	SamplesPerChannel uint64 `json:"samples_per_channel"`
	DataBytes         uint64 `json:"data_bytes"`
	// ConcealedSamples counts silence inserted per channel [external, internal].
	ConcealedSamples [Channels]uint64 `json:"concealed_samples"`
	Gaps             []Gap            `json:"gaps,omitempty"`
	GapsDropped      int              `json:"gaps_dropped,omitempty"`
	Holds            []Hold           `json:"holds,omitempty"`
	HoldsDropped     int              `json:"holds_dropped,omitempty"`
	Dropped          Dropped          `json:"dropped"`
	// PausedFrames counts frames that arrived during a hold and were not recorded.
	PausedFrames uint64        `json:"paused_frames,omitempty"`
	Streams      []StreamStats `json:"streams,omitempty"`
	EndReason    string        `json:"end_reason,omitempty"`
	// Errors holds the first write errors; ErrorCount counts all of them.
	Errors     []string `json:"errors,omitempty"`
	ErrorCount int      `json:"error_count,omitempty"`
}

// Manifest statuses.
const (
	StatusRecording = "recording"
	StatusComplete  = "complete"
)

// manifestVersion changes when a field changes meaning.
const manifestVersion = 1

// Format describes the WAV data.
type Format struct {
	Encoding   string   `json:"encoding"`
	SampleRate int      `json:"sample_rate"`
	Channels   []string `json:"channels"`
}

// Times are the session's milestones.
type Times struct {
	Offered   time.Time `json:"offered,omitzero"`
	Activated time.Time `json:"activated,omitzero"`
	Opened    time.Time `json:"opened"`
	Ended     time.Time `json:"ended,omitzero"`
	Closed    time.Time `json:"closed,omitzero"`
}

// Gap is a jump in the frame sequence or the session clock: audio the
// media side never delivered. MissingFrames is zero when only Start jumped. The WAV is not padded for it, so AtSeconds (the position in
// the file) and StartSeconds (the session clock) drift apart by Seconds.
//
// Every at_seconds in a manifest is a position in the WAV file; after a
// write error (see Errors) later positions are off by the lost audio.
type Gap struct {
	AtSeconds     float64 `json:"at_seconds"`
	StartSeconds  float64 `json:"start_seconds"`
	Seconds       float64 `json:"seconds"`
	MissingFrames uint64  `json:"missing_frames"`
}

// Hold is one Pause..Resume interval; End is zero while it lasts.
type Hold struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitzero"`
	AtSeconds float64   `json:"at_seconds"`
}

// Dropped is audio accepted by WriteFrame that never reached the file.
type Dropped struct {
	SamplesPerChannel uint64         `json:"samples_per_channel"`
	Intervals         []DropInterval `json:"intervals,omitempty"`
}

// DropInterval is one dropped buffer.
type DropInterval struct {
	AtSeconds float64 `json:"at_seconds"`
	Seconds   float64 `json:"seconds"`
	// Reason is queue_full (the disk fell behind), write_error or too_large.
	Reason string `json:"reason"`
}

// Bounds on the lists in a manifest, so a pathological call cannot grow one
// without limit; beyond them entries are counted, not kept.
const (
	maxGaps      = 256
	maxHolds     = 256
	maxDrops     = 256
	maxErrorMsgs = 16
)

func seconds(samplesPerChannel uint64) float64 {
	return float64(samplesPerChannel) / SampleRate
}
