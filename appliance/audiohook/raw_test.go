package audiohook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawPeer is a hand-driven WebSocket end, to send what our own client or
// server never would.
type rawPeer struct {
	ws        *websocket.Conn
	sessionID string
}

// dialRaw opens a signed upgrade to e's server with the given organization header.
func dialRaw(t testing.TB, e *testEnv, org string) *rawPeer {
	t.Helper()
	c := e.client(func(cfg *ClientConfig) { cfg.OrganizationID = org })
	id := NewUUID()
	h, err := c.upgradeHeader(OpenRequest{SessionID: id, CorrelationID: NewUUID()})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial(e.url, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return &rawPeer{ws: ws, sessionID: id}
}

func (p *rawPeer) send(t testing.TB, b []byte) {
	t.Helper()
	if err := p.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatal(err)
	}
}

func (p *rawPeer) sendBinary(t testing.TB, b []byte) {
	t.Helper()
	if err := p.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		t.Fatal(err)
	}
}

// next reads the next text message.
func (p *rawPeer) next(t testing.TB) *Message {
	t.Helper()
	_ = p.ws.SetReadDeadline(time.Now().Add(testWait))
	mt, b, err := p.ws.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if mt != websocket.TextMessage {
		t.Fatalf("message type %d", mt)
	}
	m, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// expect reads the next text message and checks its type.
func (p *rawPeer) expect(t testing.TB, typ Type) *Message {
	t.Helper()
	m := p.next(t)
	if m.Type != typ {
		t.Fatalf("got %s %+v, want %s", m.Type, m.Params, typ)
	}
	return m
}

func openMessage(id, org string, seq int64) []byte {
	b, _ := Marshal(&Message{ID: id, Type: TypeOpen, Seq: seq, Params: &OpenParameters{
		OrganizationID: org, ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}, Media: DefaultOffer()}})
	return b
}

func clientMsg(id string, typ Type, seq, serverSeq int64, p Params) []byte {
	b, _ := Marshal(&Message{ID: id, Type: typ, Seq: seq, ServerSeq: serverSeq, Params: p})
	return b
}

func serverMsg(id string, typ Type, seq, clientSeq int64, p Params) []byte {
	b, _ := Marshal(&Message{ID: id, Type: typ, Seq: seq, ClientSeq: clientSeq, Params: p})
	return b
}

// rawServer is a WebSocket server that hands each connection to the test.
func rawServer(t testing.TB) (string, <-chan *rawPeer) {
	t.Helper()
	conns := make(chan *rawPeer, 4)
	up := websocket.Upgrader{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conns <- &rawPeer{ws: ws, sessionID: r.Header.Get(HeaderSessionID)}
	}))
	t.Cleanup(ts.Close)
	return "ws" + strings.TrimPrefix(ts.URL, "http"), conns
}

func acceptRaw(t testing.TB, conns <-chan *rawPeer) *rawPeer {
	t.Helper()
	select {
	case p := <-conns:
		t.Cleanup(func() { _ = p.ws.Close() })
		return p
	case <-time.After(testWait):
		t.Fatal("no connection")
		return nil
	}
}
