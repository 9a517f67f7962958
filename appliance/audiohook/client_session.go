package audiohook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// clientState is a client session's protocol state.
//
//	opening ──opened──▶ open ──Close, disconnect, error──▶ closing ──closed──▶ done
//	   └──────────── disconnect, error ───────────────────────▲
//	(any state ──connection lost or close timeout──▶ done)
type clientState uint8

const (
	cliOpening clientState = iota
	cliOpen
	cliClosing
	cliDone
)

// pendingPing is a ping awaiting its pong.
type pendingPing struct {
	seq    int64
	sentAt time.Time
	pos    int64 // samples
}

// ClientSession is one AudioHook session on the client side, bound to one
// connection: when the connection drops the session ends (Err is
// ErrConnectionLost) and the caller opens a continued session on a new
// one (OpenRequest.Continue). Safe for concurrent use.
type ClientSession struct {
	c      *Client
	ws     *websocket.Conn
	log    *slog.Logger
	req    OpenRequest
	rd     *frameReader
	done   chan struct{}
	opened chan struct{} // closed when opened arrives or the session ends

	// mu guards the fields below and is held across writes, so that the
	// order of seq numbers is the order on the wire.
	mu           sync.Mutex
	state        clientState
	openedClosed bool
	seq          int64 // last seq sent
	serverSeq    int64 // last server seq processed
	media        Media
	hasMedia     bool
	pos          int64 // samples sent or skipped, from req.StartPosition
	batch        []byte
	batchN       int64 // samples in batch
	batchMax     int64
	serverPaused bool
	clientPaused bool
	pauseStart   int64
	discardFrom  int64
	discardUntil int64
	ping         *pendingPing
	pongs        int
	lastRTT      time.Duration
	acked        int64
	err          error
	metricState  string
}

func newClientSession(c *Client, ws *websocket.Conn, req OpenRequest) *ClientSession {
	s := &ClientSession{
		c: c, ws: ws, req: req, rd: newFrameReader(ws),
		log:  c.log.With("session", req.SessionID, "correlation", req.CorrelationID),
		done: make(chan struct{}), opened: make(chan struct{}),
	}
	s.setMetricStateLocked("opening")
	return s
}

// start sends open and waits for opened.
func (s *ClientSession) start(ctx context.Context) error {
	go s.readLoop()
	s.mu.Lock()
	err := s.sendLocked(TypeOpen, &OpenParameters{
		OrganizationID: s.c.cfg.OrganizationID, ConversationID: s.req.ConversationID,
		Participant: s.req.Participant, Media: s.req.Media, Language: s.req.Language,
		ContinuedSessions: s.req.ContinuedSessions, CustomConfig: s.req.CustomConfig,
	})
	s.mu.Unlock()
	if err != nil {
		s.Abort()
		<-s.done
		return err
	}
	t := s.c.clock.NewTimer(s.c.cfg.OpenTimeout)
	defer t.Stop()
	select {
	case <-s.opened:
	case <-t.C():
		s.fatal(protoErr(CodeRequestTimeout, ErrTimeout, "no opened within %v", s.c.cfg.OpenTimeout))
		return s.Err()
	case <-ctx.Done():
		s.Abort()
		return ctx.Err()
	}
	s.mu.Lock()
	st, err := s.state, s.err
	s.mu.Unlock()
	if st != cliOpen {
		if err == nil {
			err = ErrClosed
		}
		return err
	}
	go s.routinePing()
	return nil
}

// readLoop reads server messages until the session ends.
func (s *ClientSession) readLoop() {
	defer s.finish()
	for {
		mt, data, err := s.rd.read()
		switch {
		case errors.Is(err, ErrTooLarge):
			s.fatal(protoErr(CodePayloadTooLarge, err, "message too large (text is limited to %d bytes)", MaxTextMessage))
			continue
		case err != nil:
			s.mu.Lock()
			if s.state != cliDone && s.err == nil {
				s.err = ErrConnectionLost
				s.log.Warn("connection lost", "err", err)
			}
			s.mu.Unlock()
			return
		case mt == websocket.BinaryMessage:
			s.fatal(protoErr(CodeUnsupportedMedia, ErrState, "unexpected binary message from the server"))
			continue
		}
		s.handle(data)
		s.mu.Lock()
		st := s.state
		s.mu.Unlock()
		if st == cliDone {
			return
		}
	}
}

// finish releases the session.
func (s *ClientSession) finish() {
	s.mu.Lock()
	if s.state != cliDone && s.err == nil {
		s.err = ErrConnectionLost
	}
	s.state = cliDone
	s.closeOpenedLocked()
	s.setMetricStateLocked("")
	err := s.err
	s.mu.Unlock()
	closeSocket(s.ws, websocket.CloseNormalClosure, "")
	outcome := "closed"
	var de *DisconnectedError
	switch {
	case errors.As(err, &de):
		outcome = "disconnected"
	case errors.Is(err, ErrConnectionLost):
		outcome = "lost"
	case err != nil:
		outcome = "error"
	}
	s.c.m.ended(RoleClient, outcome)
	close(s.done)
	s.log.Info("session ended", "outcome", outcome, "err", err)
}

func (s *ClientSession) closeOpenedLocked() {
	if !s.openedClosed {
		s.openedClosed = true
		close(s.opened)
	}
}

// sendLocked sends one client message; the caller holds s.mu.
func (s *ClientSession) sendLocked(t Type, p Params) error {
	if s.state == cliDone {
		return ErrClosed
	}
	m := Message{ID: s.req.SessionID, Type: t, Seq: s.seq + 1, ServerSeq: s.serverSeq, Position: Duration(s.positionLocked()), Params: p}
	b, err := Marshal(&m)
	if err != nil {
		return err
	}
	if err := writeMessage(s.ws, websocket.TextMessage, b, s.c.cfg.WriteTimeout); err != nil {
		if s.err == nil {
			s.err = err
		}
		_ = s.ws.Close()
		return err
	}
	s.seq = m.Seq
	s.c.m.message(t, "out")
	return nil
}

// fatal reports a violation with an error message and closes with reason
// error (Genesys's client does the same).
func (s *ClientSession) fatal(pe *ProtocolError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == cliDone || (s.state == cliClosing && s.err != nil) {
		return
	}
	s.c.m.protocolError(RoleClient, pe.Code, "local")
	s.log.Warn("protocol error", "code", pe.Code, "err", pe.Message)
	_ = s.sendLocked(TypeError, &ErrorParameters{Code: pe.Code, Message: pe.Message, RetryAfter: Duration(pe.RetryAfter)})
	if s.err == nil {
		s.err = pe
	}
	s.closeLocked(CloseError)
}

// closeLocked starts the close transaction, bounded by CloseTimeout.
func (s *ClientSession) closeLocked(reason CloseReason) {
	if s.state != cliOpening && s.state != cliOpen {
		return
	}
	if s.state == cliOpen && reason != CloseError {
		_ = s.flushLocked()
	}
	if err := s.sendLocked(TypeClose, &CloseParameters{Reason: reason}); err != nil {
		return
	}
	s.state = cliClosing
	s.closeOpenedLocked()
	s.setMetricStateLocked("closing")
	go s.after(s.c.cfg.CloseTimeout, func() {
		s.mu.Lock()
		if s.state == cliClosing {
			s.log.Warn("no closed within the close timeout")
			_ = s.sendLocked(TypeError, &ErrorParameters{Code: CodeRequestTimeout, Message: "close transaction timeout"})
			if s.err == nil {
				s.err = protoErr(CodeRequestTimeout, ErrTimeout, "no closed within %v", s.c.cfg.CloseTimeout)
			}
		}
		s.mu.Unlock()
		_ = s.ws.Close()
	})
}

// after runs f once d has passed on the client's clock, unless the session
// ends first.
func (s *ClientSession) after(d time.Duration, f func()) {
	t := s.c.clock.NewTimer(d)
	select {
	case <-t.C():
		f()
	case <-s.done:
		t.Stop()
	}
}

func (s *ClientSession) setMetricStateLocked(state string) {
	s.c.m.state(RoleClient, s.metricState, state)
	s.metricState = state
}

// emit hands an event to the caller's OnEvent.
func (s *ClientSession) emit(e ClientEvent) {
	if f := s.c.cfg.OnEvent; f != nil {
		f(s, e)
	}
}
