package genesyssim

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socket is the one WebSocket of a channel: a writer goroutine sending
// what enqueue gives it in order, a reader answering pings, and the
// heartbeat on the sim's clock.
type socket struct {
	s    *Sim
	ch   *channel
	ws   *websocket.Conn
	out  chan []byte
	done chan struct{}
	once sync.Once
}

// Notification Service messages.
var (
	heartbeatJSON = []byte(`{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}`)
	pongJSON      = []byte(`{"topicName":"channel.metadata","eventBody":{"message":"pong"}}`)
)

// handleSocket is GET /channels/{id}, the WebSocket of a channel's
// connectUri. A second connection to a channel replaces the first, as a
// channel has one connection.
func (s *Sim) handleSocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.faults.outage || s.closed {
		s.stats.SocketsRefused++
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "service.unavailable", "notification service unavailable")
		return
	}
	ch := s.channelLocked(r.PathValue("id"))
	if ch == nil {
		s.stats.SocketsRefused++
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "not.found", "channel not found")
		return
	}
	s.mu.Unlock()
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	so := &socket{s: s, ch: ch, ws: ws, out: make(chan []byte, 8192), done: make(chan struct{})}
	s.mu.Lock()
	if s.channels[ch.id] != ch || s.faults.outage || s.closed {
		s.mu.Unlock()
		so.close()
		return
	}
	if ch.sock != nil {
		ch.sock.close()
	}
	ch.sock = so
	ch.lastUsed = s.clock.Now()
	s.stats.SocketsOpened++
	s.log.Debug("genesyssim: socket opened", "channel", ch.id)
	// Started under mu after the closed check, so that Close's Wait
	// never races an Add.
	s.wg.Go(so.routineWrite)
	s.wg.Go(so.routineRead)
	s.wg.Go(so.routineHeartbeat)
	s.mu.Unlock()
}

// enqueue queues one message; a socket too slow to keep up is closed.
func (so *socket) enqueue(b []byte) bool {
	select {
	case <-so.done:
		return false
	default:
	}
	select {
	case so.out <- b:
		return true
	default:
		so.s.log.Warn("genesyssim: socket queue full; closing it", "channel", so.ch.id)
		so.close()
		return false
	}
}

// close ends the socket; safe under s.mu and more than once.
func (so *socket) close() {
	so.once.Do(func() {
		close(so.done)
		_ = so.ws.Close()
	})
}

func (so *socket) routineWrite() {
	for {
		select {
		case <-so.done:
			return
		case b := <-so.out:
			_ = so.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := so.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				so.s.log.Debug("genesyssim: socket write failed", "channel", so.ch.id, "err", err)
				so.close()
				return
			}
		}
	}
}

func (so *socket) routineRead() {
	defer so.gone()
	for {
		_, b, err := so.ws.ReadMessage()
		if err != nil {
			so.s.log.Debug("genesyssim: socket ended", "channel", so.ch.id, "err", err)
			so.close()
			return
		}
		var msg struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &msg) == nil && msg.Message == "ping" {
			so.s.mu.Lock()
			drop := so.s.faults.dropHeartbeats
			if !drop {
				so.s.stats.Pongs++
			}
			so.s.mu.Unlock()
			if !drop {
				so.enqueue(pongJSON)
			}
		}
	}
}

// gone forgets the socket when it ends.
func (so *socket) gone() {
	s := so.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if so.ch.sock == so {
		so.ch.sock = nil
	}
}

func (so *socket) routineHeartbeat() {
	s := so.s
	t := s.clock.NewTimer(s.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-so.done:
			return
		case <-t.C():
			s.mu.Lock()
			drop := s.faults.dropHeartbeats
			if !drop {
				s.stats.Heartbeats++
			}
			s.mu.Unlock()
			if !drop {
				so.enqueue(heartbeatJSON)
			}
			t.Reset(s.cfg.HeartbeatInterval)
		}
	}
}

// closeAfterLocked closes the socket once d has passed on the sim's
// clock; s.mu is held.
func (so *socket) closeAfterLocked(d time.Duration) {
	s := so.s
	t := s.clock.NewTimer(d) // armed now, not when the goroutine runs
	s.wg.Go(func() {
		defer t.Stop()
		select {
		case <-so.done:
		case <-t.C():
			so.close()
		}
	})
}
