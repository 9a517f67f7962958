package ahlab

import (
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// Session is a snapshot of one AudioHook session the ingest served.
type Session struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	// RecordingID names the recording the session writes to (shared by a
	// chain of continued sessions).
	RecordingID string `json:"recording_id"`
	// Continued is true when the session continued a known session.
	Continued bool `json:"continued,omitempty"`
	// StartSeconds is the stream position the session opened at.
	StartSeconds float64               `json:"start_seconds"`
	Participant  audiohook.Participant `json:"participant"`
	Media        string                `json:"media"`
	Opened       time.Time             `json:"opened"`
	// FirstAudio is when the session's first audio frame arrived (zero:
	// none yet), for latency measurements.
	FirstAudio time.Time `json:"first_audio,omitzero"`
	Closed     time.Time `json:"closed,omitzero"`
	Live       bool      `json:"live"`
	Paused     bool      `json:"paused,omitempty"`
	// AudioSeconds is the audio the session delivered; DuplicateSeconds
	// the part of it the recording already had (resent after a reconnect).
	AudioSeconds     float64 `json:"audio_seconds"`
	DuplicateSeconds float64 `json:"duplicate_seconds,omitempty"`
	Pauses           int     `json:"pauses,omitempty"`
	Resumes          int     `json:"resumes,omitempty"`
	Discards         int     `json:"discards,omitempty"`
	// CloseReason is the client's close reason; empty when the connection
	// was lost. Error says why a session ended without a clean close.
	CloseReason string `json:"close_reason,omitempty"`
	Error       string `json:"error,omitempty"`
}

// Gap is audio a recording never got: a jump forward in the stream
// position, or a stretch the client announced with discarded.
type Gap struct {
	// AtSeconds is the stream position where audio stopped.
	AtSeconds float64 `json:"at_seconds"`
	Seconds   float64 `json:"seconds"`
	// Discarded is true when the client announced it with discarded.
	Discarded bool   `json:"discarded,omitempty"`
	Session   string `json:"session"`
}

// Hold is a pause the client reported, at a stream position.
type Hold struct {
	AtSeconds float64   `json:"at_seconds"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitzero"`
	Session   string    `json:"session"`
}

// Recording is a snapshot of one recording: a session and the sessions
// continuing it.
type Recording struct {
	ID             string   `json:"id"`
	ConversationID string   `json:"conversation_id"`
	Sessions       []string `json:"sessions"`
	WAV            string   `json:"wav"`
	JSON           string   `json:"json"`
	// Complete is true once the files are final (the client closed with
	// end or disconnect, the linger after a lost connection ran out, or
	// the ingest shut down); EndReason says which.
	Complete  bool   `json:"complete"`
	EndReason string `json:"end_reason,omitempty"`
	// ReceivedSeconds is the stream position reached; DuplicateSeconds the
	// resent audio skipped because the recording had it.
	ReceivedSeconds  float64 `json:"received_seconds"`
	DuplicateSeconds float64 `json:"duplicate_seconds"`
	Gaps             []Gap   `json:"gaps,omitempty"`
	Holds            []Hold  `json:"holds,omitempty"`
	// Manifest is the recording's JSON, once Complete.
	Manifest *relay.Manifest `json:"-"`
	// Err is the local recording's I/O error on close, if any.
	Err string `json:"error,omitempty"`
}

// Event is something that happened in the ingest, for a log or a CLI.
type Event struct {
	Time time.Time `json:"time"`
	// Type is open, audio (a session's first audio), paused, resumed,
	// discarded, update, error, closed or recording (a recording
	// completed).
	Type           string `json:"type"`
	Session        string `json:"session,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
	Recording      string `json:"recording,omitempty"`
	// Detail is a short human-readable description.
	Detail string `json:"detail,omitempty"`
}

// report is what the ingest adds to a recording's JSON under "audiohook".
type report struct {
	ConversationID   string    `json:"conversation_id"`
	Sessions         []Session `json:"sessions"`
	ReceivedSeconds  float64   `json:"received_seconds"`
	DuplicateSeconds float64   `json:"duplicate_seconds"`
	Gaps             []Gap     `json:"gaps,omitempty"`
	Holds            []Hold    `json:"holds,omitempty"`
	EndReason        string    `json:"end_reason"`
}

// samplesIn converts a stream position to samples per channel (8 kHz).
func samplesIn(d time.Duration) int64 { return int64(d) * relay.SampleRate / int64(time.Second) }

// secondsOf converts samples per channel to seconds.
func secondsOf(n int64) float64 { return float64(n) / relay.SampleRate }

// durationOf converts samples per channel to a duration (exact).
func durationOf(n int64) time.Duration { return time.Duration(n) * (time.Second / relay.SampleRate) }
