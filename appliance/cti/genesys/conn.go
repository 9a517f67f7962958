package genesys

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// maxMessageSize bounds one notification; a conversation event with many
// participants is tens of KiB.
const maxMessageSize = 4 << 20

// wsConn is one WebSocket to a channel's connectUri. Its reader goroutine
// hands every message to msgs, which it closes when the socket ends; err
// is then why. Whoever drops a wsConn closes it and drains msgs, so that
// the reader ends and no message it read is lost.
type wsConn struct {
	ws   *websocket.Conn
	msgs chan []byte
	err  error // valid once msgs is closed
}

// dialChannel connects to a channel. status is the handshake's HTTP
// status when the server answered one (404: the channel is gone).
func (t *Tracker) dialChannel(ctx context.Context, connectURI string) (c *wsConn, status int, err error) {
	d := websocket.Dialer{
		NetDialContext:   t.cfg.DialContext,
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: t.cfg.HandshakeTimeout,
		ReadBufferSize:   16 << 10,
		WriteBufferSize:  4 << 10,
	}
	dctx, cancel := context.WithTimeout(ctx, t.cfg.HandshakeTimeout)
	defer cancel()
	ws, resp, err := d.DialContext(dctx, connectURI, http.Header{"User-Agent": {t.cfg.UserAgent}})
	if resp != nil {
		status = resp.StatusCode
		if resp.Body != nil {
			_ = resp.Body.Close()
		}
	}
	if err != nil {
		if status != 0 {
			err = fmt.Errorf("%w (HTTP %d)", err, status)
		}
		return nil, status, fmt.Errorf("genesys: connect %s: %w", connectURI, err)
	}
	ws.SetReadLimit(maxMessageSize)
	c = &wsConn{ws: ws, msgs: make(chan []byte, 64)}
	go c.routineRead()
	return c, status, nil
}

// routineRead reads until the socket fails or is closed.
func (c *wsConn) routineRead() {
	defer close(c.msgs)
	for {
		typ, b, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		if typ == websocket.TextMessage || typ == websocket.BinaryMessage {
			c.msgs <- b
		}
	}
}

// ping sends the keepalive.
func (c *wsConn) ping() error {
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, pingMessage)
}

// close ends the socket and returns the messages read but not yet
// handled, in order; the reader has ended when it returns.
func (c *wsConn) close() [][]byte {
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	_ = c.ws.Close()
	var rest [][]byte
	for b := range c.msgs {
		rest = append(rest, b)
	}
	return rest
}
