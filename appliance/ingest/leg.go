package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

var _ gate.Leg = (*session)(nil)

// Activate opens the recording and resumes the client (a no-op when the
// session opened running). A later start only updates the agent.
func (s *session) Activate(ctx context.Context, a gate.Activation) error {
	s.mu.Lock()
	if a.Direction != "" {
		s.direction = a.Direction
	}
	if a.AgentID != "" {
		s.agent = a.AgentID
	}
	s.mu.Unlock()
	if err := s.openRecording(ctx); err != nil {
		return err
	}
	if err := s.ah.Resume(ctx); err != nil {
		return fmt.Errorf("ingest: resume: %w", err)
	}
	return nil
}

// openRecording opens the recording once and lets audio into it. Open
// calls it before answering opened when the session starts running, so the
// first frames are not lost; Activate calls it on a match.
func (s *session) openRecording(ctx context.Context) error {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	s.mu.Lock()
	if s.rec != nil {
		s.recording = true
		s.mu.Unlock()
		return nil
	}
	meta := relay.RecordingMeta{
		SessionID:    s.ah.ID(),
		Keys:         s.keys.Clone(),
		Participants: s.recordingParticipants(),
		Direction:    string(s.direction),
		AgentID:      s.agent,
		OfferedAt:    s.offered,
		ActivatedAt:  time.Now(),
	}
	s.mu.Unlock()
	rec, err := s.srv.d.Store.Open(ctx, meta)
	if err != nil {
		return fmt.Errorf("ingest: open recording: %w", err)
	}
	s.srv.d.Metrics.recorded.Inc()
	s.mu.Lock()
	s.rec, s.recording = rec, true
	s.mu.Unlock()
	return nil
}

// Pause holds the recording (CTI hold, or a CTI end until its grace).
func (s *session) Pause(ctx context.Context) error {
	if err := s.ah.Pause(ctx); err != nil {
		return fmt.Errorf("ingest: pause: %w", err)
	}
	s.mu.Lock()
	s.recording = false
	if s.rec != nil {
		s.fr.flush(s.emitLocked)
		s.rec.Pause()
	}
	s.mu.Unlock()
	return nil
}

// Resume ends a hold.
func (s *session) Resume(ctx context.Context) error {
	s.mu.Lock()
	s.recording = true
	if s.rec != nil {
		s.rec.Resume()
	}
	s.mu.Unlock()
	if err := s.ah.Resume(ctx); err != nil {
		return fmt.Errorf("ingest: resume: %w", err)
	}
	return nil
}

// End asks Genesys to close: the audio it already sent is delivered, then
// Closed closes the recording.
func (s *session) End(ctx context.Context, reason string) error {
	if err := s.ah.Disconnect(ctx, audiohook.DisconnectCompleted, reason); err != nil {
		return fmt.Errorf("ingest: disconnect: %w", err)
	}
	return nil
}

// recordingParticipants names the customer (ANI) for the recording JSON.
func (s *session) recordingParticipants() []relay.Participant {
	var out []relay.Participant
	if s.part.ANI != "" || s.part.ANIName != "" {
		out = append(out, relay.Participant{ID: s.part.ID, Name: s.part.ANIName, AOR: s.part.ANI, Role: "external"})
	}
	if s.part.DNIS != "" {
		out = append(out, relay.Participant{AOR: s.part.DNIS, Role: "internal"})
	}
	return out
}
