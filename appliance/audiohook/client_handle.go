package audiohook

// handle processes one server text message on the read loop.
func (s *ClientSession) handle(data []byte) {
	m, err := Unmarshal(data)
	if err != nil {
		s.fatal(asProtocolError(err))
		return
	}
	s.c.m.message(m.Type, "in")
	if role, _ := Sender(m.Type); role != RoleServer {
		s.fatal(protoErr(CodeMethodNotAllowed, ErrWrongDirection, "%q is not a server message", m.Type))
		return
	}
	if pe := s.sequence(m); pe != nil {
		s.fatal(pe)
		return
	}
	switch m.Type {
	case TypeOpened:
		s.onOpened(m.Params.(*OpenedParameters))
	case TypePong:
		s.onPong(m)
	case TypePause:
		s.onPauseOrResume(true)
	case TypeResume:
		s.onPauseOrResume(false)
	case TypeClosed:
		s.onClosed()
	case TypeDisconnect:
		s.onDisconnect(m.Params.(*DisconnectParameters))
	case TypeReconnect:
		s.emit(ClientEvent{Type: TypeReconnect, Info: m.Params.(*ReconnectParameters).Info, Paused: s.Paused()})
	case TypeEvent:
		s.emit(ClientEvent{Type: TypeEvent, Entities: m.Params.(*EventParameters).Entities, Paused: s.Paused()})
	}
}

// sequence checks seq (previous + 1), clientseq (a seq we sent) and id.
// It adopts the server's numbering on a violation, and stops checking once
// the client is closing after an error, so that the closed can complete it.
func (s *ClientSession) sequence(m *Message) *ProtocolError {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.serverSeq
	s.serverSeq = m.Seq
	if s.state == cliClosing && s.err != nil {
		return nil
	}
	switch {
	case m.Seq != prev+1:
		return protoErr(CodeBadRequest, ErrSequence, "seq %d after %d", m.Seq, prev)
	case m.ClientSeq > s.seq:
		return protoErr(CodeBadRequest, ErrSequence, "clientseq %d but the client sent %d messages", m.ClientSeq, s.seq)
	case !sameID(m.ID, s.req.SessionID):
		return protoErr(CodeBadRequest, ErrWrongSession, "id %s is not the session's", m.ID)
	}
	return nil
}

func (s *ClientSession) onOpened(p *OpenedParameters) {
	s.mu.Lock()
	if s.state != cliOpening {
		s.mu.Unlock()
		s.fatal(protoErr(CodeConflict, ErrState, "unexpected opened"))
		return
	}
	if len(p.Media) == 1 {
		offered := false
		for _, o := range s.req.Media {
			offered = offered || o.Equal(p.Media[0])
		}
		if !offered {
			s.mu.Unlock()
			s.fatal(protoErr(CodeBadRequest, ErrNoMedia, "selected media %s was not offered", p.Media[0]))
			return
		}
		s.media, s.hasMedia = p.Media[0], true
		s.batchMax = int64(s.c.cfg.FrameDuration * SampleRate / 1e9)
		s.batchMax = max(s.batchMax, 1)
		s.batch = make([]byte, 0, int(s.batchMax)*s.media.FrameBytes())
	}
	s.state = cliOpen
	if d := p.DiscardTo.Std() - s.req.StartPosition; d > 0 {
		s.discardFrom, s.discardUntil = s.pos, samplesOf(d)
	}
	if p.StartPaused {
		s.serverPaused, s.pauseStart = true, s.pos
		_ = s.sendLocked(TypePaused, &Empty{})
	}
	s.setMetricStateLocked(s.activityLocked())
	s.closeOpenedLocked()
	paused := s.pausedLocked()
	s.mu.Unlock()
	s.log.Info("session opened", "media", s.media.String(), "start_paused", p.StartPaused)
	s.emit(ClientEvent{Type: TypeOpened, Paused: paused})
}

func (s *ClientSession) onPong(m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ping == nil:
		s.c.m.protocolError(RoleClient, CodeConflict, "local")
		_ = s.sendLocked(TypeError, &ErrorParameters{Code: CodeConflict, Message: "pong without an outstanding ping"})
	case m.ClientSeq != s.ping.seq:
		s.c.m.protocolError(RoleClient, CodeBadRequest, "local")
		_ = s.sendLocked(TypeError, &ErrorParameters{Code: CodeBadRequest, Message: "pong clientseq is not the ping's seq"})
	default:
		s.lastRTT = s.c.clock.Now().Sub(s.ping.sentAt)
		s.acked, s.ping = s.ping.pos, nil
		s.pongs++
		s.c.m.rtt.WithLabelValues(string(RoleClient)).Observe(s.lastRTT.Seconds())
		if s.pongs == 1 && s.state == cliOpen {
			// As Genesys's client does: a second ping at once, so the
			// server learns the RTT early.
			s.sendPingLocked()
		}
	}
}

// onPauseOrResume answers the server's pause (paused) or resume (resumed,
// or paused again while the client holds a pause of its own).
func (s *ClientSession) onPauseOrResume(pause bool) {
	s.mu.Lock()
	switch s.state {
	case cliClosing, cliDone:
		s.mu.Unlock()
		return
	case cliOpening:
		s.mu.Unlock()
		s.fatal(protoErr(CodeConflict, ErrState, "pause or resume before opened"))
		return
	}
	was := s.pausedLocked()
	if pause {
		_ = s.flushLocked()
		s.serverPaused = true
		if !was {
			s.pauseStart = s.pos
		}
		_ = s.sendLocked(TypePaused, &Empty{})
	} else {
		s.serverPaused = false
		s.answerResumeLocked(was)
	}
	s.setMetricStateLocked(s.activityLocked())
	paused := s.pausedLocked()
	s.mu.Unlock()
	t := TypeResume
	if pause {
		t = TypePause
	}
	s.emit(ClientEvent{Type: t, Paused: paused})
}

// answerResumeLocked sends resumed, or paused while still paused.
func (s *ClientSession) answerResumeLocked(wasPaused bool) {
	switch {
	case s.pausedLocked():
		_ = s.sendLocked(TypePaused, &Empty{})
	case wasPaused:
		_ = s.sendLocked(TypeResumed, &ResumedParameters{
			Start: Duration(s.durationAt(s.pauseStart)), Discarded: Duration(sampleDur(s.pos - s.pauseStart))})
	default:
		_ = s.sendLocked(TypeResumed, &ResumedParameters{Start: Duration(s.positionLocked())})
	}
}

func (s *ClientSession) onClosed() {
	s.mu.Lock()
	if s.state != cliClosing {
		s.mu.Unlock()
		s.fatal(protoErr(CodeConflict, ErrState, "closed without close"))
		return
	}
	s.state = cliDone
	s.mu.Unlock()
}

func (s *ClientSession) onDisconnect(p *DisconnectParameters) {
	s.mu.Lock()
	if s.state == cliClosing || s.state == cliDone {
		s.mu.Unlock()
		return
	}
	if s.err == nil {
		s.err = &DisconnectedError{Reason: p.Reason, Info: p.Info, OutputVariables: p.OutputVariables}
	}
	s.log.Info("server disconnected", "reason", p.Reason, "info", truncate(p.Info))
	s.closeLocked(CloseDisconnect)
	s.mu.Unlock()
	s.emit(ClientEvent{Type: TypeDisconnect, Disconnect: p})
}
