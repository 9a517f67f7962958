package audiohook

import (
	"context"
	"errors"
	"time"
)

// closeLinger is how long the server waits, after closed, for the client
// to close the WebSocket before closing it itself.
const closeLinger = 5 * time.Second

// handleText processes one client text message on the read loop.
func (s *ServerSession) handleText(data []byte) {
	m, err := Unmarshal(data)
	if err != nil {
		s.fail(asProtocolError(err))
		return
	}
	s.srv.m.message(m.Type, "in")
	if role, _ := Sender(m.Type); role != RoleClient {
		s.fail(protoErr(CodeMethodNotAllowed, ErrWrongDirection, "%q is not a client message", m.Type))
		return
	}
	if pe := s.sequence(m); pe != nil {
		s.fail(pe)
		return
	}
	switch m.Type {
	case TypeOpen:
		s.handleOpen(m)
	case TypeClose:
		s.handleClose(m)
	case TypePing:
		s.handlePing(m)
	default:
		s.handleNotice(m)
	}
}

// sequence checks seq (previous + 1), serverseq (a seq we sent) and id.
// It adopts the client's numbering on a violation, and stops checking once
// an error or unauthorized disconnect is out (a message we could not parse
// may have used a seq), so that the close answering the disconnect gets its
// closed.
func (s *ServerSession) sequence(m *Message) *ProtocolError {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.clientSeq
	s.clientSeq = m.Seq
	if s.disconnect == DisconnectError || s.disconnect == DisconnectUnauthorized {
		return nil
	}
	switch {
	case m.Seq != prev+1:
		return protoErr(CodeBadRequest, ErrSequence, "seq %d after %d", m.Seq, prev)
	case m.ServerSeq > s.seq:
		return protoErr(CodeBadRequest, ErrSequence, "serverseq %d but the server sent %d messages", m.ServerSeq, s.seq)
	case !sameID(m.ID, s.hdr.id):
		return protoErr(CodeBadRequest, ErrWrongSession, "id %s is not the session's", m.ID)
	}
	s.ackServerSeq = max(s.ackServerSeq, m.ServerSeq)
	return nil
}

func (s *ServerSession) handlePing(m *Message) {
	if rtt := m.Params.(*PingParameters).RTT; rtt > 0 {
		s.srv.m.rtt.WithLabelValues(string(RoleServer)).Observe(rtt.Std().Seconds())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.sendLocked(TypePong, &Empty{})
}

func (s *ServerSession) handleOpen(m *Message) {
	p := m.Params.(*OpenParameters)
	s.mu.Lock()
	if s.state != srvConnected {
		s.mu.Unlock()
		s.fail(protoErr(CodeConflict, ErrState, "open on an opened session"))
		return
	}
	if !sameID(p.OrganizationID, s.hdr.org) {
		s.err = ErrUnauthorized
		s.log.Warn("open refused: organizationId differs from the header", "organization", p.OrganizationID)
		s.disconnectLocked(DisconnectUnauthorized, "organizationId does not match the Audiohook-Organization-Id header")
		s.mu.Unlock()
		return
	}
	s.open, s.position, s.probe = p, m.Position.Std(), p.IsProbe()
	s.media, s.hasMedia = SelectMedia(p.Media)
	if s.probe {
		s.log.Info("connection probe")
		s.sendOpenedLocked(false, 0, []string{})
		s.mu.Unlock()
		return
	}
	if !s.hasMedia {
		s.mu.Unlock()
		s.fail(protoErr(CodeUnsupportedMedia, ErrNoMedia, "no supported media offered (want PCMU or L16 at 8000 Hz)"))
		return
	}
	s.state, s.appOpened = srvOpening, true
	s.setMetricStateLocked("opening")
	params := OpenParams{
		SessionID: s.hdr.id, OrganizationID: s.hdr.org, CorrelationID: s.hdr.correlation, APIKey: s.hdr.apiKey,
		ConversationID: p.ConversationID, Participant: p.Participant, Media: s.media, Offered: p.Media,
		Position: s.position, Language: p.Language, ContinuedSessions: p.ContinuedSessions,
		CustomConfig: p.CustomConfig, SupportedLanguages: p.SupportedLanguages,
	}
	s.mu.Unlock()

	d, err := s.decide(params)

	s.mu.Lock()
	if s.state != srvOpening || (s.disconnect != "" && s.disconnect != DisconnectCompleted) {
		s.mu.Unlock()
		return
	}
	if err != nil {
		s.mu.Unlock()
		s.refuseOpen(err)
		return
	}
	startPaused := d.StartPaused
	if s.pendingPause != nil {
		startPaused = *s.pendingPause
	}
	s.sendOpenedLocked(startPaused, d.DiscardTo, d.Languages)
	s.mu.Unlock()
}

// decide runs Application.Open within the open budget.
func (s *ServerSession) decide(p OpenParams) (OpenDecision, error) {
	type result struct {
		d   OpenDecision
		err error
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	ch := make(chan result, 1)
	go func() {
		d, err := s.srv.cfg.Application.Open(ctx, s, p)
		ch <- result{d, err}
	}()
	t := s.srv.clock.NewTimer(s.srv.cfg.OpenTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.d, r.err
	case <-t.C():
		return OpenDecision{}, protoErr(CodeRequestTimeout, ErrTimeout, "no open decision within %v", s.srv.cfg.OpenTimeout)
	}
}

// refuseOpen answers an application's refusal.
func (s *ServerSession) refuseOpen(err error) {
	var pe *ProtocolError
	switch {
	case errors.Is(err, ErrUnauthorized):
		s.mu.Lock()
		s.err = err
		s.disconnectLocked(DisconnectUnauthorized, "not authorized")
		s.mu.Unlock()
	case errors.As(err, &pe):
		s.fail(pe)
	case errors.Is(err, ErrUnavailable):
		s.fail(protoErr(CodeServiceUnavailable, err, "service unavailable"))
	default:
		s.log.Error("application refused the open", "err", err)
		s.fail(protoErr(CodeInternalServerError, err, "internal error"))
	}
}

// sendOpenedLocked sends opened and enters the open state.
func (s *ServerSession) sendOpenedLocked(startPaused bool, discardTo time.Duration, langs []string) {
	p := &OpenedParameters{Media: []Media{}, StartPaused: startPaused}
	if s.hasMedia {
		p.Media = []Media{s.media}
	}
	if discardTo > s.position {
		p.DiscardTo = Duration(discardTo)
	}
	if s.open.SupportedLanguages {
		p.SupportedLanguages = append([]string{}, langs...)
	}
	if err := s.sendLocked(TypeOpened, p); err != nil {
		return
	}
	s.state, s.clientPaused = srvOpen, startPaused
	s.setMetricStateLocked(s.activityLocked())
	s.changed.notify()
	s.log.Info("session opened", "conversation", s.open.ConversationID, "media", s.media.String(), "start_paused", startPaused)
}

func (s *ServerSession) activityLocked() string {
	if s.clientPaused {
		return "paused"
	}
	return "active"
}
