package audiohook

import (
	"context"
	"time"
)

// Close sends the pending audio and close with reason (CloseEnd at the end
// of the call, CloseReconnect once a continued session has taken over),
// then waits for closed (CloseTimeout) and closes the connection. It
// returns Err: nil after a clean close transaction.
func (s *ClientSession) Close(ctx context.Context, reason CloseReason) error {
	s.mu.Lock()
	s.closeLocked(reason)
	s.mu.Unlock()
	select {
	case <-s.done:
		return s.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Abort drops the connection without a close transaction; the session
// ends with ErrConnectionLost.
func (s *ClientSession) Abort() {
	s.mu.Lock()
	if s.err == nil && s.state != cliDone {
		s.err = ErrConnectionLost
	}
	s.mu.Unlock()
	_ = s.ws.Close()
}

// routinePing sends ping FirstPing after opened, then every PingInterval;
// a ping still unanswered when the next is due ends the session with 408.
func (s *ClientSession) routinePing() {
	t := s.c.clock.NewTimer(s.c.cfg.FirstPing)
	defer t.Stop()
	for {
		select {
		case <-t.C():
		case <-s.done:
			return
		}
		t.Reset(s.c.cfg.PingInterval) // the cadence does not drift with the send
		s.mu.Lock()
		if s.state != cliOpen {
			s.mu.Unlock()
			return
		}
		if s.ping != nil {
			s.mu.Unlock()
			s.fatal(protoErr(CodeRequestTimeout, ErrTimeout, "no pong before the next ping"))
			return
		}
		s.sendPingLocked()
		s.mu.Unlock()
	}
}

// sendPingLocked sends ping with the last RTT and remembers it.
func (s *ClientSession) sendPingLocked() {
	if err := s.sendLocked(TypePing, &PingParameters{RTT: Duration(s.lastRTT)}); err != nil {
		return
	}
	s.ping = &pendingPing{seq: s.seq, sentAt: s.c.clock.Now(), pos: s.pos}
}

// ID returns the session id.
func (s *ClientSession) ID() string { return s.req.SessionID }

// Done is closed when the session has ended and its connection is closed.
func (s *ClientSession) Done() <-chan struct{} { return s.done }

// Err returns why the session ended: nil for a clean close; a
// *DisconnectedError when the server disconnected; a *ProtocolError for a
// violation either side reported; ErrConnectionLost when the connection
// dropped.
func (s *ClientSession) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Media returns the format the server selected; ok is false if none.
func (s *ClientSession) Media() (Media, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.media, s.hasMedia
}

// Paused reports whether audio is paused (by the server or the client).
func (s *ClientSession) Paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pausedLocked()
}

// Position returns the stream position reached (sent or skipped).
func (s *ClientSession) Position() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.positionLocked()
}

// RTT returns the last ping round-trip time, zero before the first pong.
func (s *ClientSession) RTT() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRTT
}

// Continuation returns what a continued session needs of this one.
func (s *ClientSession) Continuation() Continuation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Continuation{
		SessionID: s.req.SessionID, ServerSeq: s.serverSeq, ClientSeq: s.seq,
		Position: s.positionLocked(), AckedPosition: s.durationAt(s.acked),
	}
}
