package audiohook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// serverState is a server session's protocol state.
//
//	connected ──open──▶ opening ──opened──▶ open ──close──▶ closing ──closed──▶ done
//	(done: closed sent or the connection ended; nothing more is sent)
//	    │                  │                  │
//	    └──────────────────┴── disconnect ────┴──▶ (same states; after an error or
//	                                               unauthorized disconnect, audio is dropped
//	                                               and only close is answered)
type serverState uint8

const (
	srvConnected serverState = iota
	srvOpening
	srvOpen
	srvClosing
	srvDone
)

// sessionHeaders are the upgrade's identifying headers.
type sessionHeaders struct {
	id, org, correlation, apiKey string
}

// ServerSession is one AudioHook session on the server side. The
// application drives it with Pause, Resume, Disconnect, SendEvent and
// RequestReconnect (the gate.Leg of an AudioHook session); its methods are
// safe for concurrent use.
type ServerSession struct {
	srv   *Server
	ws    *websocket.Conn
	log   *slog.Logger
	hdr   sessionHeaders
	ctx   context.Context // cancelled when the session ends
	stop  context.CancelFunc
	done  chan struct{}
	frame Frame // reused for every Audio call (read loop only)
	rd    *frameReader

	// mu guards the fields below and is held across writes, so that the
	// order of seq numbers is the order on the wire.
	mu           sync.Mutex
	state        serverState
	seq          int64 // last seq sent
	clientSeq    int64 // last client seq processed
	ackServerSeq int64 // serverseq of the last client message
	replySeq     int64 // serverseq of the last paused or resumed
	open         *OpenParameters
	media        Media
	hasMedia     bool
	probe        bool
	appOpened    bool  // Application.Open was called: Closed is owed
	closedCalled bool  // Application.Closed was called
	pendingPause *bool // Pause/Resume before opened
	clientPaused bool
	position     time.Duration
	disconnect   DisconnectReason // sent, if any
	closeReason  CloseReason
	retryUntil   time.Time // the client's 429
	err          error
	changed      broadcast
	metricState  string
}

func newServerSession(srv *Server, ws *websocket.Conn, hdr sessionHeaders) *ServerSession {
	ctx, stop := context.WithCancel(context.Background())
	s := &ServerSession{
		srv: srv, ws: ws, hdr: hdr, ctx: ctx, stop: stop, done: make(chan struct{}),
		log:     srv.log.With("session", hdr.id, "correlation", hdr.correlation),
		rd:      newFrameReader(ws),
		changed: newBroadcast(),
	}
	s.setMetricStateLocked("connected")
	return s
}

// run reads the connection until the session ends.
func (s *ServerSession) run() {
	defer s.finish()
	s.log.Info("session connected", "remote", s.ws.RemoteAddr().String())
	for {
		s.mu.Lock()
		st := s.state
		s.mu.Unlock()
		if st != srvClosing && st != srvDone { // after closed, the linger deadline stands
			_ = s.ws.SetReadDeadline(time.Now().Add(s.srv.cfg.IdleTimeout))
		}
		mt, data, err := s.rd.read()
		switch {
		case errors.Is(err, ErrTooLarge):
			s.fail(protoErr(CodePayloadTooLarge, err, "message too large (text is limited to %d bytes)", MaxTextMessage))
			continue
		case err != nil:
			s.lost(err)
			return
		case mt == websocket.TextMessage:
			s.handleText(data)
		case mt == websocket.BinaryMessage:
			s.handleAudio(data)
		}
	}
}

// lost ends the session on a read error: the client's close after closed
// is the normal end; anything else loses the connection.
func (s *ServerSession) lost(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == srvDone { // closed was sent: the client's close is the normal end
		return
	}
	if s.err == nil {
		s.err = ErrConnectionLost
		if !peerClosed(err) {
			s.log.Warn("connection lost", "err", err)
		}
	}
}

// finish releases the session: Application.Closed if still owed, metrics,
// the socket, waiters.
func (s *ServerSession) finish() {
	s.mu.Lock()
	owed := s.appOpened && !s.closedCalled
	s.closedCalled = true
	end := Ending{Reason: s.closeReason, Err: s.err, Position: s.position}
	s.mu.Unlock()
	if owed {
		s.srv.cfg.Application.Closed(s, end)
	}
	s.mu.Lock()
	s.state = srvDone
	outcome := "closed"
	switch {
	case s.probe:
		outcome = "probe"
	case s.disconnect != "" && s.disconnect != DisconnectCompleted:
		outcome = "disconnected"
	case errors.Is(s.err, ErrConnectionLost):
		outcome = "lost"
	case s.err != nil:
		outcome = "error"
	}
	s.setMetricStateLocked("")
	s.changed.notify()
	s.mu.Unlock()
	s.srv.m.ended(RoleServer, outcome)
	closeSocket(s.ws, websocket.CloseNormalClosure, "")
	s.stop()
	close(s.done)
	s.log.Info("session ended", "outcome", outcome, "position", end.Position, "err", end.Err)
}

// abort drops the connection (Server.Shutdown past its deadline).
func (s *ServerSession) abort() {
	s.mu.Lock()
	if s.err == nil {
		s.err = ErrConnectionLost
	}
	s.mu.Unlock()
	_ = s.ws.Close()
}

// sendLocked sends one server message; the caller holds s.mu.
func (s *ServerSession) sendLocked(t Type, p Params) error {
	if s.state == srvDone {
		return ErrClosed
	}
	m := Message{ID: s.hdr.id, Type: t, Seq: s.seq + 1, ClientSeq: s.clientSeq, Params: p}
	b, err := Marshal(&m)
	if err != nil {
		return err
	}
	if err := writeMessage(s.ws, websocket.TextMessage, b, s.srv.cfg.WriteTimeout); err != nil {
		if s.err == nil {
			s.err = err
		}
		_ = s.ws.Close()
		return err
	}
	s.seq = m.Seq
	s.srv.m.message(t, "out")
	return nil
}

// fail answers a violation the server detected: disconnect{error} with the
// code in the info, once; later audio is dropped and only close answered.
func (s *ServerSession) fail(pe *ProtocolError) {
	s.srv.m.protocolError(RoleServer, pe.Code, "local")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Warn("protocol error", "code", pe.Code, "err", pe.Message)
	if s.err == nil {
		s.err = pe
	}
	s.disconnectLocked(DisconnectError, fmt.Sprintf("%d %s", pe.Code, pe.Message))
}

// disconnectLocked sends disconnect once and bounds the wait for close.
func (s *ServerSession) disconnectLocked(reason DisconnectReason, info string) {
	if s.state == srvClosing || s.state == srvDone || (s.disconnect != "" && s.disconnect != DisconnectCompleted) {
		return
	}
	first := s.disconnect == ""
	if err := s.sendLocked(TypeDisconnect, &DisconnectParameters{Reason: reason, Info: info}); err != nil {
		return
	}
	s.disconnect = reason
	s.changed.notify()
	if first {
		go s.after(s.srv.cfg.DisconnectTimeout, func() {
			s.log.Warn("no close after disconnect; dropping the connection")
			s.abort()
		})
	}
}

// after runs f once d has passed on the server's clock, unless the
// session ends first.
func (s *ServerSession) after(d time.Duration, f func()) {
	t := s.srv.clock.NewTimer(d)
	select {
	case <-t.C():
		f()
	case <-s.done:
		t.Stop()
	}
}

// setMetricStateLocked moves the session in the sessions gauge.
func (s *ServerSession) setMetricStateLocked(state string) {
	s.srv.m.state(RoleServer, s.metricState, state)
	s.metricState = state
}

func sameID(a, b string) bool { return strings.EqualFold(a, b) }
