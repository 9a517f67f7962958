package audiohook

import (
	"context"
	"encoding/json"
	"time"
)

// Application is what the server role serves: the appliance plugs a
// session into the gate and the relay through it. Every call for one
// session comes from that session's goroutine, in order; calls for
// different sessions run concurrently.
//
// The connection probe (null conversation and participant ids) never
// reaches the Application: the server answers it on its own.
type Application interface {
	// Open decides an open that passed the protocol checks: run at once,
	// start paused (inactive until a CTI match), or refuse with an error
	// (ErrUnauthorized → disconnect unauthorized; ErrUnavailable → 503;
	// a *ProtocolError → its code; anything else → 500). It must return
	// before ctx is cancelled (ServerConfig.OpenTimeout, 4 s by default,
	// so that opened goes out within Genesys's 5 s). The application may
	// call s.Pause or s.Resume from here or later; before opened they only
	// decide startPaused.
	Open(ctx context.Context, s *ServerSession, p OpenParams) (OpenDecision, error)
	// Audio delivers one binary frame decoded to stereo. It runs on the
	// session's read loop: copy what you keep and do not block.
	Audio(s *ServerSession, f *Frame)
	// Notify reports the client's paused, resumed, discarded, update and
	// error messages.
	Notify(s *ServerSession, n Notice)
	// Closed is called once for every session whose Open was called, after
	// its last Audio. On a close transaction it runs before closed is sent
	// (bounded by ServerConfig.CloseTimeout), so the application can flush;
	// on a lost connection, after the fact.
	Closed(s *ServerSession, e Ending)
}

// OpenParams is what Application.Open learns about a session.
type OpenParams struct {
	SessionID      string
	OrganizationID string
	CorrelationID  string
	APIKey         string
	ConversationID string
	Participant    Participant
	// Media is the selected format (SelectMedia over Offered).
	Media   Media
	Offered []Media
	// Position is where the client's stream starts (non-zero for a
	// continued session).
	Position          time.Duration
	Language          string
	ContinuedSessions []ContinuedSession
	CustomConfig      json.RawMessage
	// SupportedLanguages is true when the client asked opened to list them.
	SupportedLanguages bool
}

// OpenDecision is Application.Open's answer.
type OpenDecision struct {
	// StartPaused opens the session paused: no audio until Resume.
	StartPaused bool
	// DiscardTo asks the client to skip audio before this position (a
	// continued session the server already has audio for).
	DiscardTo time.Duration
	// Languages answers a supportedLanguages request.
	Languages []string
}

// Frame is one binary frame of audio.
type Frame struct {
	// Position is the stream position of the first sample: the client's
	// open position, plus the audio received, plus what the client reported
	// discarded or skipped while paused.
	Position time.Duration
	// Samples are stereo pairs (external, internal), decoded from the
	// negotiated format; a channel the format lacks is silence. Valid only
	// during Audio.
	Samples []int16
	// Media is the negotiated format; Media.Channels says which channels
	// are real.
	Media Media
	// Payload is the frame as received. Valid only during Audio.
	Payload []byte
}

// Notice is a client message the application may care about.
type Notice struct {
	// Type is TypePaused, TypeResumed, TypeDiscarded, TypeUpdate or TypeError.
	Type Type
	// Position is the client's stream position on the message.
	Position time.Duration
	// Start and Discarded describe a resumed or discarded stretch.
	Start, Discarded time.Duration
	// Language is an update's new language.
	Language string
	// Error is an error message's parameters.
	Error *ErrorParameters
}

// Ending says how a session ended.
type Ending struct {
	// Reason is the client's close reason; empty when no close arrived.
	Reason CloseReason
	// Err is nil for a clean close transaction; otherwise why the session
	// ended: ErrConnectionLost, a *ProtocolError this side signalled, ...
	Err error
	// Position is the stream position reached.
	Position time.Duration
}
