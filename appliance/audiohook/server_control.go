package audiohook

import (
	"context"
	"time"
)

// Pause asks the client to stop sending audio (CTI hold) and waits until
// it answers paused. Audio already in flight is still delivered. Before
// opened is sent it only makes the session start paused.
func (s *ServerSession) Pause(ctx context.Context) error {
	return s.pauseOrResume(ctx, true)
}

// Resume asks the client to resume audio (CTI start or resume) and waits
// for its answer: resumed, or paused again when the client holds a pause of
// its own (Paused then stays true). Before opened is sent it only makes the
// session start running.
func (s *ServerSession) Resume(ctx context.Context) error {
	return s.pauseOrResume(ctx, false)
}

func (s *ServerSession) pauseOrResume(ctx context.Context, pause bool) error {
	s.mu.Lock()
	switch {
	case s.state == srvConnected || s.state == srvOpening:
		s.pendingPause = &pause
		s.mu.Unlock()
		return nil
	case s.state != srvOpen || s.disconnect != "":
		s.mu.Unlock()
		return ErrClosed
	}
	t := TypeResume
	if pause {
		t = TypePause
	}
	err := s.sendLocked(t, &Empty{})
	seq := s.seq
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.waitFor(ctx, func() bool { return s.replySeq >= seq && (!pause || s.clientPaused) })
}

// Disconnect asks the client to end the session and waits until it has
// closed (its close answered with closed) or ctx ends. For a CTI end use
// DisconnectCompleted: audio the client sent before it saw the disconnect
// is still delivered, then Closed runs before closed goes out.
func (s *ServerSession) Disconnect(ctx context.Context, reason DisconnectReason, info string) error {
	s.mu.Lock()
	if s.state != srvClosing && s.state != srvDone && s.disconnect == "" {
		s.disconnectLocked(reason, info)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SendEvent sends event entities to the client. While a 429 from the
// client runs it returns ErrRateLimited.
func (s *ServerSession) SendEvent(entities []EventEntity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != srvOpen {
		return ErrClosed
	}
	if now := s.srv.clock.Now(); now.Before(s.retryUntil) {
		return ErrRateLimited
	}
	return s.sendLocked(TypeEvent, &EventParameters{Entities: entities})
}

// RequestReconnect asks the client to move the session to a new connection
// (a continued session), for example before this server goes away.
func (s *ServerSession) RequestReconnect(info string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != srvOpen {
		return ErrClosed
	}
	return s.sendLocked(TypeReconnect, &ReconnectParameters{Info: info})
}

// waitFor waits until cond (evaluated under s.mu) holds.
func (s *ServerSession) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch, st := cond(), s.changed.ch, s.state
		s.mu.Unlock()
		switch {
		case ok:
			return nil
		case st == srvDone || st == srvClosing:
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ID returns the session id (Audiohook-Session-Id).
func (s *ServerSession) ID() string { return s.hdr.id }

// OrganizationID returns the Genesys organization.
func (s *ServerSession) OrganizationID() string { return s.hdr.org }

// CorrelationID returns Audiohook-Correlation-Id.
func (s *ServerSession) CorrelationID() string { return s.hdr.correlation }

// APIKey returns the X-API-KEY the upgrade was verified with.
func (s *ServerSession) APIKey() string { return s.hdr.apiKey }

// ConversationID returns open's conversationId, or "" before open.
func (s *ServerSession) ConversationID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		return ""
	}
	return s.open.ConversationID
}

// Media returns the selected format; ok is false before open or when none.
func (s *ServerSession) Media() (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.media, s.hasMedia
}

// Paused reports whether the client's audio is paused.
func (s *ServerSession) Paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clientPaused
}

// Position returns the stream position of the next audio expected.
func (s *ServerSession) Position() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.position
}

// Done is closed when the session has ended and its connection is closed.
func (s *ServerSession) Done() <-chan struct{} { return s.done }

// Err returns why the session ended: nil for a clean close transaction.
// Valid once Done is closed.
func (s *ServerSession) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
