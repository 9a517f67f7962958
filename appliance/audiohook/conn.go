package audiohook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// MaxAudioMessage caps a binary (audio) frame: 1 MiB is over 60 s of
// stereo PCMU, far beyond any sane frame.
const MaxAudioMessage = 1 << 20

// Defaults shared by both roles.
const (
	DefaultOpenTimeout  = 5 * time.Second  // opened must follow open within this
	DefaultCloseTimeout = 10 * time.Second // closed must follow close within this
	DefaultPingInterval = 5 * time.Second  // between pings; pong before the next
	DefaultFirstPing    = time.Second      // first ping after opened
	DefaultWriteTimeout = 10 * time.Second // one WebSocket write
)

// frameReader reads whole WebSocket messages into a reused buffer,
// enforcing MaxTextMessage on text and MaxAudioMessage on binary. A message
// over its cap is reported as ErrTooLarge after reading only cap+1 bytes;
// the next read discards the rest, so the session can answer 413 and go on.
type frameReader struct {
	ws  *websocket.Conn
	buf bytes.Buffer
}

func newFrameReader(ws *websocket.Conn) *frameReader {
	ws.SetReadLimit(MaxAudioMessage + MaxTextMessage) // the hard stop behind our own caps
	return &frameReader{ws: ws}
}

// read returns the next message; data is valid until the next read.
func (r *frameReader) read() (int, []byte, error) {
	mt, rd, err := r.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	limit := int64(MaxTextMessage)
	if mt == websocket.BinaryMessage {
		limit = MaxAudioMessage
	}
	r.buf.Reset()
	n, err := r.buf.ReadFrom(io.LimitReader(rd, limit+1))
	if err != nil {
		return 0, nil, err
	}
	if n > limit {
		return mt, nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	return mt, r.buf.Bytes(), nil
}

// writeMessage writes one message with a write deadline.
func writeMessage(ws *websocket.Conn, mt int, b []byte, timeout time.Duration) error {
	_ = ws.SetWriteDeadline(time.Now().Add(timeout))
	if err := ws.WriteMessage(mt, b); err != nil {
		return fmt.Errorf("%w: %w", ErrConnectionLost, err)
	}
	return nil
}

// closeSocket sends a close frame (best effort, short deadline) and closes
// the connection.
func closeSocket(ws *websocket.Conn, code int, text string) {
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	_ = ws.Close()
}

// peerClosed reports whether a read error is the peer's close or a closed
// socket rather than a failure.
func peerClosed(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) ||
		errors.Is(err, net.ErrClosed)
}

// broadcast is a channel closed and replaced on every change, for waiters.
type broadcast struct{ ch chan struct{} }

func newBroadcast() broadcast { return broadcast{ch: make(chan struct{})} }

// notify wakes every waiter; the caller holds the lock that guards b.
func (b *broadcast) notify() {
	close(b.ch)
	b.ch = make(chan struct{})
}

// durationOrDefault returns d, or def when d is zero or negative.
func durationOrDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
