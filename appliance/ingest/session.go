package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// app is the audiohook.Application of the server mode.
type app struct {
	srv      *Server
	sessions sync.Map // *audiohook.ServerSession → *session
}

func (a *app) session(ah *audiohook.ServerSession) (*session, bool) {
	v, ok := a.sessions.Load(ah)
	if !ok {
		return nil, false
	}
	return v.(*session), true
}

// session is one AudioHook session: gate.Leg towards the gate, the
// recording towards the relay.
type session struct {
	srv     *Server
	ah      *audiohook.ServerSession
	keys    callkey.Set
	part    audiohook.Participant
	offered time.Time

	openMu sync.Mutex // serialises opening the recording (Open and Activate race)

	mu        sync.Mutex // guards the fields below
	gs        *gate.Session
	rec       relay.Recording
	fr        framer
	direction cti.Direction
	agent     string
	recording bool // audio goes to rec (activated, not held)
}

// Open turns the session into a gate session keyed by its conversation id
// and opens it running when the CTI start is already known, else paused.
func (a *app) Open(ctx context.Context, ah *audiohook.ServerSession, p audiohook.OpenParams) (audiohook.OpenDecision, error) {
	srv := a.srv
	if srv.draining.Load() {
		srv.d.Metrics.refused.WithLabelValues("draining").Inc()
		return audiohook.OpenDecision{}, fmt.Errorf("%w: appliance draining", audiohook.ErrUnavailable)
	}
	key, err := callkey.Conversation(p.ConversationID)
	if err != nil {
		srv.d.Metrics.refused.WithLabelValues("conversation_id").Inc()
		return audiohook.OpenDecision{}, &audiohook.ProtocolError{Code: audiohook.CodeBadRequest,
			Message: "conversationId is not a UUID", Err: err}
	}
	s := &session{srv: srv, ah: ah, keys: callkey.NewSet(key), part: p.Participant, offered: time.Now()}
	info := gate.SessionInfo{
		Source:       "audiohook " + ah.CorrelationID(),
		CallID:       p.SessionID,
		Participants: participants(p.Participant),
		StartedAt:    s.offered,
	}
	gs, err := srv.d.Gate.Offer(ah.ID(), s.keys.Clone(), info, s)
	if err != nil {
		srv.d.Metrics.refused.WithLabelValues("gate").Inc()
		if errors.Is(err, gate.ErrDraining) {
			return audiohook.OpenDecision{}, fmt.Errorf("%w: %w", audiohook.ErrUnavailable, err)
		}
		return audiohook.OpenDecision{}, err
	}
	s.mu.Lock()
	s.gs = gs
	s.mu.Unlock()
	running := gs.State() == gate.StateActive
	how := "paused"
	if running {
		how = "running"
		if err := s.openRecording(ctx); err != nil {
			srv.log.Warn("opening the recording failed; the gate will retry on activation", "session", ah.ID(), "error", err)
		}
	}
	srv.d.Metrics.opened.WithLabelValues(how).Inc()
	srv.log.Info("audiohook session offered", "session", ah.ID(), "conversation", p.ConversationID, "start", how)
	a.sessions.Store(ah, s)
	return audiohook.OpenDecision{StartPaused: !running}, nil
}

// Audio cuts the client's audio into 20 ms frames for the recording.
func (a *app) Audio(ah *audiohook.ServerSession, f *audiohook.Frame) {
	s, ok := a.session(ah)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.recording || s.rec == nil {
		return
	}
	s.fr.write(f.Position, f.Samples, s.emitLocked)
}

func (s *session) emitLocked(f *relay.Frame) {
	if err := s.rec.WriteFrame(f); err != nil {
		s.srv.log.Debug("recording frame refused", "session", s.ah.ID(), "error", err)
	}
	s.srv.d.Metrics.frames.Inc()
}

// Notify only logs: pauses and resumes are the gate's, and a client's own
// pause shows as a jump in the stream position.
func (a *app) Notify(ah *audiohook.ServerSession, n audiohook.Notice) {
	a.srv.log.Debug("audiohook notice", "session", ah.ID(), "type", n.Type, "position", n.Position)
}

// Closed flushes and closes the recording and ends the gate session.
func (a *app) Closed(ah *audiohook.ServerSession, e audiohook.Ending) {
	s, ok := a.session(ah)
	if !ok {
		return
	}
	a.sessions.Delete(ah)
	reason := string(e.Reason)
	if reason == "" {
		reason = "connection-lost"
	}
	s.mu.Lock()
	rec := s.rec
	if rec != nil && s.recording {
		s.fr.flush(s.emitLocked)
	}
	s.recording = false
	gs := s.gs
	final := relay.FinalMeta{EndedAt: time.Now(), Reason: "audiohook-" + reason, AgentID: s.agent, Direction: string(s.direction)}
	s.mu.Unlock()
	if gs != nil {
		gs.Close(final.Reason)
		final.AddSession(gs.Snapshot())
	}
	if rec != nil {
		if err := rec.Close(final); err != nil {
			s.srv.log.Warn("recording close", "session", ah.ID(), "error", err)
		}
	}
	s.srv.log.Info("audiohook session ended", "session", ah.ID(), "reason", reason, "error", e.Err)
}

func participants(p audiohook.Participant) []string {
	var out []string
	if p.ANI != "" {
		out = append(out, p.ANI+" (external)")
	}
	if p.DNIS != "" {
		out = append(out, p.DNIS)
	}
	return out
}
