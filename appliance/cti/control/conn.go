package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// conn is one connection of the client: a reader and a writer goroutine
// around the WebSocket. The writer owns every data write; the reader
// hands it pongs and acks through out.
type conn struct {
	c   *Client
	ws  *websocket.Conn
	out chan outbound
}

// outbound is one encoded message for the writer.
type outbound struct {
	typ Type
	b   []byte
}

// serve says hello, then runs the connection until it fails or ctx ends.
func (cn *conn) serve(ctx context.Context) (time.Duration, error) {
	c := cn.c
	cn.ws.SetReadLimit(MaxMessageSize)
	c.ann.start()
	defer c.ann.stop()
	sessions, err := cn.hello()
	if err != nil {
		_ = cn.ws.Close()
		c.setDown(time.Now(), err, false)
		return 0, err
	}
	upAt := time.Now()
	n := c.setUp(upAt)
	c.log.Info("control channel connected", "url", c.cfg.URL, "sessions", sessions, "connection", n)

	cctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { cancel(cn.routineRead(cctx)) })
	wg.Go(func() { cancel(cn.routineWrite(cctx)) })
	<-cctx.Done()
	err = context.Cause(cctx)
	if ctx.Err() != nil {
		err = nil
		deadline := time.Now().Add(time.Second)
		_ = cn.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseGoingAway, "appliance stopping"), deadline)
	}
	_ = cn.ws.Close() // ends the reader's read
	wg.Wait()
	up := time.Since(upAt)
	c.setDown(time.Now(), err, true)
	if err != nil {
		c.log.Warn("control channel lost", "url", c.cfg.URL, "err", err, "was_up", up.Round(time.Millisecond))
	} else {
		c.log.Info("control channel closed", "url", c.cfg.URL)
	}
	return up, err
}

// hello sends the hello with the sessions as they are now, and the
// sessions that do not fit in it as session messages.
func (cn *conn) hello() (int, error) {
	c := cn.c
	snaps := c.gate.Sessions()
	h := Hello{ApplianceID: c.cfg.ApplianceID, Version: c.cfg.Version, Sessions: make([]Session, 0, len(snaps))}
	var rest []Session
	size := 256 + len(h.ApplianceID) + len(h.Version) // the envelope and the fields around the list
	for _, snap := range snaps {
		s := SessionOf(snap)
		b, err := json.Marshal(s)
		if err != nil {
			return 0, fmt.Errorf("control: hello: %w", err)
		}
		if len(rest) > 0 || size+len(b)+1 > MaxHelloSize {
			rest = append(rest, s)
			continue
		}
		size += len(b) + 1
		h.Sessions = append(h.Sessions, s)
	}
	if err := cn.write(Message{Type: TypeHello, Hello: &h}); err != nil {
		return 0, err
	}
	for i := range rest {
		if err := cn.write(Message{Type: TypeSession, Session: &rest[i]}); err != nil {
			return 0, err
		}
	}
	return len(snaps), nil
}

// write encodes and sends m; only the writer (or hello, before it starts)
// calls it.
func (cn *conn) write(m Message) error {
	b, err := Marshal(m)
	if err != nil {
		return err
	}
	return cn.writeRaw(outbound{typ: m.Type, b: b})
}

func (cn *conn) writeRaw(o outbound) error {
	_ = cn.ws.SetWriteDeadline(time.Now().Add(cn.c.deadTime()))
	if err := cn.ws.WriteMessage(websocket.TextMessage, o.b); err != nil {
		return fmt.Errorf("control: write %s: %w", o.typ, err)
	}
	cn.c.m.sent(o.typ)
	return nil
}

// deadTime is how long the channel may be silent before it counts as dead.
func (c *Client) deadTime() time.Duration { return 2 * c.cfg.PingInterval }

// send queues m for the writer.
func (cn *conn) send(ctx context.Context, m Message) error {
	b, err := Marshal(m)
	if err != nil {
		return err
	}
	select {
	case cn.out <- outbound{typ: m.Type, b: b}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// routineWrite sends what the reader queues, the session announcements
// and a ping every interval, until a write fails or ctx ends.
func (cn *conn) routineWrite(ctx context.Context) error {
	c := cn.c
	tick := time.NewTicker(c.cfg.PingInterval)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return nil
		case o := <-cn.out:
			err = cn.writeRaw(o)
		case <-c.ann.ready:
			for _, s := range c.ann.take() {
				if err = cn.write(Message{Type: TypeSession, Session: &s}); err != nil {
					break
				}
			}
		case <-tick.C:
			id := "p" + strconv.FormatUint(c.pings.Add(1), 10)
			err = cn.write(Message{Type: TypePing, ID: id})
		}
		if err != nil {
			return err
		}
	}
}

// routineRead reads and handles messages until the connection fails, is
// silent for two ping intervals, or is closed.
func (cn *conn) routineRead(ctx context.Context) error {
	c := cn.c
	for {
		_ = cn.ws.SetReadDeadline(time.Now().Add(c.deadTime()))
		mt, b, err := cn.ws.ReadMessage()
		if err != nil {
			var ne net.Error
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, websocket.ErrReadLimit):
				c.m.refused.WithLabelValues(refusedOversize).Inc()
				return fmt.Errorf("%w: the cloud sent a message over %d bytes", ErrTooLarge, MaxMessageSize)
			case errors.As(err, &ne) && ne.Timeout():
				return fmt.Errorf("control: no message from the cloud for %s: connection dead", c.deadTime())
			}
			return fmt.Errorf("control: read: %w", err)
		}
		c.m.alive(time.Now())
		if mt != websocket.TextMessage {
			c.m.refused.WithLabelValues(refusedBinary).Inc()
			c.log.Warn("control channel: binary message refused", "bytes", len(b))
			continue
		}
		if err := cn.handle(ctx, b); err != nil {
			return err
		}
	}
}

// handle acts on one message. Only a failure to queue an answer ends the
// connection; a bad message is refused, counted and logged.
func (cn *conn) handle(ctx context.Context, b []byte) error {
	c := cn.c
	m, err := Unmarshal(b)
	switch {
	case errors.Is(err, ErrUnknownType):
		c.m.received("unknown")
		c.log.Debug("control channel: message of an unknown type ignored", "type", m.Type)
		return nil
	case err != nil && m.Type == TypeCTI && m.ID != "" && printable(m.ID, maxIDLen):
		c.m.received(TypeCTI)
		c.m.events.WithLabelValues(string(OutcomeInvalid)).Inc()
		c.log.Warn("control channel: invalid CTI event refused", "id", m.ID, "err", err)
		return cn.send(ctx, Message{Type: TypeAck, ID: m.ID, Ack: &Ack{Outcome: OutcomeInvalid, Error: truncate(err.Error())}})
	case errors.Is(err, ErrVersion):
		c.m.refused.WithLabelValues(refusedVersion).Inc()
		c.log.Warn("control channel: message refused", "err", err)
		return nil
	case err != nil:
		c.m.refused.WithLabelValues(refusedMalformed).Inc()
		c.log.Warn("control channel: message refused", "type", m.Type, "err", err)
		return nil
	}
	c.m.received(m.Type)
	switch m.Type {
	case TypePing:
		return cn.send(ctx, Message{Type: TypePong, ID: m.ID})
	case TypePong:
		return nil // proof of life is all it brings
	case TypeCTI:
		return cn.deliver(ctx, m.ID, *m.CTI)
	}
	c.m.refused.WithLabelValues(refusedUnexpected).Inc()
	c.log.Warn("control channel: message only an appliance sends refused", "type", m.Type)
	return nil
}

// deliver hands a CTI event to the gate and acks the outcome.
func (cn *conn) deliver(ctx context.Context, id string, ev cti.Event) error {
	c := cn.c
	res, err := c.gate.Deliver(ctx, ev)
	var ack Ack
	switch {
	case errors.Is(err, cti.ErrInvalid):
		ack = Ack{Outcome: OutcomeInvalid, Error: truncate(err.Error())}
	case err != nil:
		ack = Ack{Outcome: OutcomeError, Error: truncate(err.Error())}
	default:
		ack = AckOf(res)
	}
	c.m.events.WithLabelValues(string(ack.Outcome)).Inc()
	c.log.Info("cti event from the cloud", "id", id, "type", ev.Type, "keys", ev.Keys().Len(),
		"outcome", ack.Outcome, "applied", ack.Applied, "err", ack.Error)
	return cn.send(ctx, Message{Type: TypeAck, ID: id, Ack: &ack})
}

func truncate(s string) string {
	if len(s) > maxErrorLen {
		return s[:maxErrorLen-3] + "..."
	}
	return s
}
