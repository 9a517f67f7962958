package cloudsim

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti/control"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// edgeConn is one appliance's connection.
type edgeConn struct {
	c         *Control
	ws        *websocket.Conn
	remote    string
	done      chan struct{} // closed when serve returns
	closeOnce sync.Once
	wmu       sync.Mutex // serialises writes

	mu          sync.Mutex // guards the fields below
	id, version string
	connectedAt time.Time
	lastMessage time.Time
	sessions    map[string]control.Session
	acks        map[string]chan control.Ack // by event id, until answered
	pings       uint64
}

// serve waits for the hello, then reads until the appliance goes or falls
// silent for two ping intervals, pinging it all along.
func (e *edgeConn) serve() {
	defer close(e.done)
	defer e.close(websocket.CloseNormalClosure, "")
	log := e.c.log.With("remote", e.remote)
	e.ws.SetReadLimit(control.MaxHelloSize)
	_ = e.ws.SetReadDeadline(time.Now().Add(helloTimeout))
	m, err := e.read()
	if err != nil || m.Type != control.TypeHello {
		log.Warn("control: no hello from the appliance; closing", "type", m.Type, "err", err)
		e.close(websocket.ClosePolicyViolation, "hello expected")
		return
	}
	now := time.Now()
	e.mu.Lock()
	e.id, e.version, e.connectedAt, e.lastMessage = m.Hello.ApplianceID, m.Hello.Version, now, now
	e.setSessionsLocked(m.Hello.Sessions)
	e.mu.Unlock()
	e.c.register(e)
	log = log.With("appliance", e.id)
	log.Info("control: appliance connected", "version", e.version, "sessions", len(m.Hello.Sessions))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { e.routinePing(stop) })
	defer func() { close(stop); wg.Wait() }()
	dead := 2 * e.c.cfg.PingInterval
	for {
		_ = e.ws.SetReadDeadline(time.Now().Add(dead))
		m, err := e.read()
		switch {
		case errors.Is(err, control.ErrUnknownType):
			log.Debug("control: message of an unknown type ignored", "type", m.Type)
			continue
		case errors.Is(err, errConn):
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = fmt.Errorf("no message for %s: connection dead", dead)
			}
			log.Info("control: appliance gone", "err", err)
			return
		case err != nil:
			log.Warn("control: message refused", "type", m.Type, "err", err)
			continue
		}
		e.handle(m, log)
	}
}

// errConn marks a failure of the connection rather than of a message.
var errConn = errors.New("connection failed")

// read returns the next message; a connection failure wraps errConn.
func (e *edgeConn) read() (control.Message, error) {
	mt, b, err := e.ws.ReadMessage()
	if err != nil {
		return control.Message{}, fmt.Errorf("%w: %w", errConn, err)
	}
	e.mu.Lock()
	e.lastMessage = time.Now()
	e.mu.Unlock()
	if mt != websocket.TextMessage {
		return control.Message{}, fmt.Errorf("%w: binary message", control.ErrMalformed)
	}
	return control.Unmarshal(b)
}

func (e *edgeConn) handle(m control.Message, log *slog.Logger) {
	switch m.Type {
	case control.TypeHello:
		e.mu.Lock()
		e.setSessionsLocked(m.Hello.Sessions)
		e.mu.Unlock()
	case control.TypeSession:
		e.mu.Lock()
		if m.Session.State == gate.StateEnded {
			delete(e.sessions, m.Session.ID)
		} else {
			e.sessions[m.Session.ID] = *m.Session
		}
		e.mu.Unlock()
	case control.TypeAck:
		e.mu.Lock()
		ch := e.acks[m.ID]
		delete(e.acks, m.ID)
		e.mu.Unlock()
		if ch != nil {
			ch <- *m.Ack // buffered: never blocks
		}
	case control.TypePing:
		_ = e.write(control.Message{Type: control.TypePong, ID: m.ID})
	case control.TypePong:
	default:
		log.Warn("control: message only the cloud sends refused", "type", m.Type)
	}
}

func (e *edgeConn) setSessionsLocked(list []control.Session) {
	clear(e.sessions)
	for _, s := range list {
		if s.State != gate.StateEnded {
			e.sessions[s.ID] = s
		}
	}
}

// routinePing pings every interval until stop.
func (e *edgeConn) routinePing(stop <-chan struct{}) {
	t := time.NewTicker(e.c.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		e.mu.Lock()
		e.pings++
		id := "c" + strconv.FormatUint(e.pings, 10)
		e.mu.Unlock()
		if err := e.write(control.Message{Type: control.TypePing, ID: id}); err != nil {
			e.close(websocket.CloseGoingAway, "")
			return
		}
	}
}

// write sends one message.
func (e *edgeConn) write(m control.Message) error {
	b, err := control.Marshal(m)
	if err != nil {
		return err
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	_ = e.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return e.ws.WriteMessage(websocket.TextMessage, b)
}

// close sends a close frame and closes the connection, once.
func (e *edgeConn) close(code int, text string) {
	e.closeOnce.Do(func() {
		_ = e.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
		_ = e.ws.Close()
	})
}

// holds reports whether a live session of the appliance shares a key.
func (e *edgeConn) holds(keys callkey.Set) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.sessions {
		if s.Keys.Intersects(keys) {
			return true
		}
	}
	return false
}

// expectAck registers a waiter for the ack of event id.
func (e *edgeConn) expectAck(id string) chan control.Ack {
	ch := make(chan control.Ack, 1)
	e.mu.Lock()
	e.acks[id] = ch
	e.mu.Unlock()
	return ch
}

func (e *edgeConn) forgetAck(id string) {
	e.mu.Lock()
	delete(e.acks, id)
	e.mu.Unlock()
}

func (e *edgeConn) info() Appliance {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := Appliance{ID: e.id, Version: e.version, Remote: e.remote, ConnectedAt: e.connectedAt,
		LastMessageAt: e.lastMessage, Sessions: make([]control.Session, 0, len(e.sessions))}
	for _, s := range e.sessions {
		s.Keys = s.Keys.Clone()
		a.Sessions = append(a.Sessions, s)
	}
	slices.SortFunc(a.Sessions, func(x, y control.Session) int { return cmp.Compare(x.ID, y.ID) })
	return a
}
