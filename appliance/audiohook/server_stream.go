package audiohook

import "time"

// handleNotice processes paused, resumed, discarded, update and error.
func (s *ServerSession) handleNotice(m *Message) {
	n := Notice{Type: m.Type, Position: m.Position.Std()}
	s.mu.Lock()
	switch s.state {
	case srvConnected, srvOpening:
		s.mu.Unlock()
		if m.Type == TypeError { // an error may come at any time
			s.peerError(m.Params.(*ErrorParameters))
			return
		}
		s.fail(protoErr(CodeConflict, ErrState, "%s before opened", m.Type))
		return
	case srvClosing, srvDone:
		s.mu.Unlock()
		return
	}
	switch p := m.Params.(type) {
	case *Empty: // paused; a duplicate is tolerated (the client answers every pause)
		s.clientPaused = true
		s.replySeq = max(s.replySeq, m.ServerSeq)
	case *ResumedParameters:
		s.clientPaused = false
		s.replySeq = max(s.replySeq, m.ServerSeq)
		s.position = (p.Start + p.Discarded).Std()
		n.Start, n.Discarded = p.Start.Std(), p.Discarded.Std()
	case *DiscardedParameters:
		s.position = (p.Start + p.Discarded).Std()
		n.Start, n.Discarded = p.Start.Std(), p.Discarded.Std()
	case *UpdateParameters:
		n.Language = p.Language
	case *ErrorParameters:
		n.Error = p
	}
	s.setMetricStateLocked(s.activityLocked())
	s.changed.notify()
	notify := s.appOpened && !s.probe
	s.mu.Unlock()
	if m.Type == TypeError {
		s.peerError(n.Error)
	}
	if notify {
		s.srv.cfg.Application.Notify(s, n)
	}
}

// peerError records an error the client reported; a 429 holds back events
// for retryAfter.
func (s *ServerSession) peerError(p *ErrorParameters) {
	s.srv.m.protocolError(RoleServer, p.Code, "peer")
	s.log.Warn("client reported an error", "code", p.Code, "message", truncate(p.Message), "retry_after", p.RetryAfter.Std())
	if p.Code == CodeTooManyRequests && p.RetryAfter > 0 {
		s.mu.Lock()
		s.retryUntil = s.srv.clock.Now().Add(p.RetryAfter.Std())
		s.mu.Unlock()
	}
}

// handleClose answers close: the audio already read has been delivered
// (Audio runs on this loop), the application flushes in Closed, then
// closed goes out and the server waits for the client to close the socket.
func (s *ServerSession) handleClose(m *Message) {
	s.mu.Lock()
	if s.state == srvClosing || s.state == srvDone {
		s.mu.Unlock()
		return
	}
	s.state, s.closeReason = srvClosing, m.Params.(*CloseParameters).Reason
	s.setMetricStateLocked("closing")
	owed := s.appOpened && !s.closedCalled
	s.closedCalled = true
	end := Ending{Reason: s.closeReason, Err: s.err, Position: s.position}
	s.changed.notify()
	s.mu.Unlock()
	if owed {
		s.flush(end)
	}
	s.mu.Lock()
	_ = s.sendLocked(TypeClosed, &Empty{})
	s.state = srvDone
	s.changed.notify()
	s.mu.Unlock()
	_ = s.ws.SetReadDeadline(time.Now().Add(closeLinger))
}

// flush runs Application.Closed within the close budget.
func (s *ServerSession) flush(end Ending) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.srv.cfg.Application.Closed(s, end)
	}()
	t := s.srv.clock.NewTimer(s.srv.cfg.CloseTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C():
		s.log.Warn("application did not finish closing in time; sending closed", "budget", s.srv.cfg.CloseTimeout)
	}
}

// handleAudio checks and delivers one binary frame.
func (s *ServerSession) handleAudio(data []byte) {
	s.mu.Lock()
	var pe *ProtocolError
	switch {
	case s.state == srvClosing || s.state == srvDone,
		s.state == srvOpen && (s.probe || (s.disconnect != "" && s.disconnect != DisconnectCompleted)):
		s.mu.Unlock()
		return // after close, in a probe, or after an error disconnect: dropped
	case s.state != srvOpen:
		pe = protoErr(CodeConflict, ErrState, "audio before opened")
	case !s.hasMedia:
		pe = protoErr(CodeUnsupportedMedia, ErrAudioFormat, "audio with no media selected")
	case s.clientPaused:
		pe = protoErr(CodeConflict, ErrState, "audio while paused")
	}
	if pe != nil {
		s.mu.Unlock()
		s.fail(pe)
		return
	}
	pos, media := s.position, s.media
	s.position += media.DurationOf(len(data))
	s.mu.Unlock()
	samples, err := DecodeAudio(s.frame.Samples[:0], data, media)
	if err != nil {
		s.fail(protoErr(CodeUnsupportedMedia, err, "%d bytes is not whole samples of %s", len(data), media))
		return
	}
	s.frame = Frame{Position: pos, Samples: samples, Media: media, Payload: data}
	s.srv.m.serverAudioFrames.Inc()
	s.srv.m.serverAudioBytes.Add(float64(len(data)))
	s.srv.cfg.Application.Audio(s, &s.frame)
}
