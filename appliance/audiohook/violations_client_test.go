package audiohook

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawEnv is our client against a hand-driven server.
type rawEnv struct {
	clock *fakeClock
	m     *Metrics
	c     *Client
	conns <-chan *rawPeer
}

func newRawEnv(t *testing.T) *rawEnv {
	url, conns := rawServer(t)
	e := &rawEnv{clock: newFakeClock(time.Unix(1_760_000_000, 0)), m: NewMetrics(nil), conns: conns}
	c, err := NewClient(ClientConfig{URL: url, APIKey: testAPIKey, OrganizationID: testOrg, Clock: e.clock, Metrics: e.m})
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

// start opens a session; the raw side reads open. The result arrives on
// the returned channel once the raw side answers.
func (e *rawEnv) start(t *testing.T) (*rawPeer, <-chan openResult) {
	res := make(chan openResult, 1)
	go func() {
		s, err := e.c.Open(context.Background(), OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}})
		res <- openResult{s, err}
	}()
	p := acceptRaw(t, e.conns)
	p.expect(t, TypeOpen)
	return p, res
}

type openResult struct {
	s   *ClientSession
	err error
}

// opened answers open and returns the session.
func (e *rawEnv) opened(t *testing.T, p *rawPeer, res <-chan openResult, params *OpenedParameters) *ClientSession {
	p.send(t, serverMsg(p.sessionID, TypeOpened, 1, 1, params))
	r := <-res
	if r.err != nil {
		t.Fatalf("Open: %v", r.err)
	}
	t.Cleanup(r.s.Abort)
	return r.s
}

func stereoOpened() *OpenedParameters { return &OpenedParameters{Media: []Media{StereoPCMU()}} }

// expectErrorAndClose checks the client reports code and closes with reason error.
func expectErrorAndClose(t *testing.T, p *rawPeer, code int) *Message {
	t.Helper()
	m := p.expect(t, TypeError)
	if got := m.Params.(*ErrorParameters).Code; got != code {
		t.Fatalf("error code %d, want %d", got, code)
	}
	c := p.expect(t, TypeClose)
	if r := c.Params.(*CloseParameters).Reason; r != CloseError {
		t.Fatalf("close reason %s", r)
	}
	return c
}

func TestClientAnswersViolations(t *testing.T) {
	cases := []struct {
		name string
		send func(t *testing.T, p *rawPeer)
		code int
	}{
		{"seq gap", func(t *testing.T, p *rawPeer) { p.send(t, serverMsg(p.sessionID, TypePause, 3, 1, &Empty{})) }, 400},
		{"seq duplicate", func(t *testing.T, p *rawPeer) { p.send(t, serverMsg(p.sessionID, TypePause, 1, 1, &Empty{})) }, 400},
		{"clientseq of a message never sent", func(t *testing.T, p *rawPeer) { p.send(t, serverMsg(p.sessionID, TypePause, 2, 7, &Empty{})) }, 400},
		{"malformed", func(t *testing.T, p *rawPeer) { p.send(t, []byte(`{]`)) }, 400},
		{"unknown type", func(t *testing.T, p *rawPeer) {
			p.send(t, []byte(`{"version":"2","id":"`+p.sessionID+`","type":"hello","seq":2,"clientseq":1,"parameters":{}}`))
		}, 405},
		{"client message from the server", func(t *testing.T, p *rawPeer) {
			p.send(t, clientMsg(p.sessionID, TypePing, 2, 1, &PingParameters{}))
		}, 405},
		{"second opened", func(t *testing.T, p *rawPeer) { p.send(t, serverMsg(p.sessionID, TypeOpened, 2, 1, stereoOpened())) }, 409},
		{"closed without close", func(t *testing.T, p *rawPeer) { p.send(t, serverMsg(p.sessionID, TypeClosed, 2, 1, &Empty{})) }, 409},
		{"text over 64 KiB", func(t *testing.T, p *rawPeer) {
			p.send(t, []byte(`{"pad":"`+strings.Repeat("x", MaxTextMessage)+`"}`))
		}, 413},
		{"binary from the server", func(t *testing.T, p *rawPeer) { p.sendBinary(t, []byte{1, 2, 3}) }, 415},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newRawEnv(t)
			p, res := e.start(t)
			s := e.opened(t, p, res, stereoOpened())
			tc.send(t, p)
			c := expectErrorAndClose(t, p, tc.code)
			p.send(t, serverMsg(p.sessionID, TypeClosed, 10, c.Seq, &Empty{}))
			waitDone(t, s.Done(), "session end")
			var pe *ProtocolError
			if !errors.As(s.Err(), &pe) || pe.Code != tc.code {
				t.Fatalf("Err %v, want code %d", s.Err(), tc.code)
			}
			if v := metricValue(e.m.protoErrors.WithLabelValues("client", strconv.Itoa(tc.code), "local")); v != 1 {
				t.Fatalf("counted %v", v)
			}
		})
	}
}

func TestClientOpenTimeout(t *testing.T) {
	e := newRawEnv(t)
	p, res := e.start(t)
	e.clock.waitTimers(t, 1)
	e.clock.Advance(DefaultOpenTimeout)
	expectErrorAndClose(t, p, CodeRequestTimeout)
	r := <-res
	if !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("Open = %v, want ErrTimeout", r.err)
	}
}

func TestClientCloseTimeout(t *testing.T) {
	e := newRawEnv(t)
	p, res := e.start(t)
	s := e.opened(t, p, res, stereoOpened())
	done := make(chan error, 1)
	go func() { done <- s.Close(context.Background(), CloseEnd) }()
	p.expect(t, TypeClose)
	e.clock.waitTimers(t, 2) // the ping timer and the close timer
	e.clock.Advance(DefaultCloseTimeout)
	if m := p.expect(t, TypeError); m.Params.(*ErrorParameters).Code != CodeRequestTimeout {
		t.Fatalf("error %+v", m.Params)
	}
	if err := <-done; !errors.Is(err, ErrTimeout) {
		t.Fatalf("Close = %v, want ErrTimeout", err)
	}
}

func TestClientPingCadenceAndPongTimeout(t *testing.T) {
	e := newRawEnv(t)
	p, res := e.start(t)
	s := e.opened(t, p, res, stereoOpened())
	e.clock.waitTimers(t, 1)
	e.clock.Advance(DefaultFirstPing - time.Millisecond)
	e.clock.Advance(time.Millisecond) // first ping at 1 s
	ping := p.expect(t, TypePing)
	p.send(t, serverMsg(p.sessionID, TypePong, 2, ping.Seq, &Empty{}))
	second := p.expect(t, TypePing) // at once after the first pong
	if second.Seq != ping.Seq+1 {
		t.Fatalf("second ping seq %d", second.Seq)
	}
	p.send(t, serverMsg(p.sessionID, TypePong, 3, second.Seq, &Empty{}))
	waitFor(t, "second pong", func() bool { return s.Continuation().ServerSeq == 3 })
	e.clock.Advance(DefaultPingInterval) // 6 s: third ping, left unanswered
	p.expect(t, TypePing)
	e.clock.Advance(DefaultPingInterval) // 11 s: no pong before the next ping
	c := expectErrorAndClose(t, p, CodeRequestTimeout)
	p.send(t, serverMsg(p.sessionID, TypeClosed, 4, c.Seq, &Empty{}))
	waitDone(t, s.Done(), "session end")
	if !errors.Is(s.Err(), ErrTimeout) {
		t.Fatalf("Err %v", s.Err())
	}
}

func TestClientPongMismatchIsReported(t *testing.T) {
	e := newRawEnv(t)
	p, res := e.start(t)
	_ = e.opened(t, p, res, stereoOpened())
	p.send(t, serverMsg(p.sessionID, TypePong, 2, 1, &Empty{})) // no ping outstanding
	if m := p.expect(t, TypeError); m.Params.(*ErrorParameters).Code != CodeConflict {
		t.Fatalf("error %+v", m.Params)
	}
}

func TestClientRejectsMediaNotOffered(t *testing.T) {
	e := newRawEnv(t)
	p, res := e.start(t)
	p.send(t, serverMsg(p.sessionID, TypeOpened, 1, 1, &OpenedParameters{Media: []Media{{Type: "audio", Format: FormatL16, Channels: []Channel{External}, Rate: 8000}}}))
	c := expectErrorAndClose(t, p, CodeBadRequest)
	p.send(t, serverMsg(p.sessionID, TypeClosed, 2, c.Seq, &Empty{}))
	if r := <-res; !errors.Is(r.err, ErrNoMedia) {
		t.Fatalf("Open = %v", r.err)
	}
}

func TestClientConnectionLost(t *testing.T) {
	e := newRawEnv(t)
	p, res := e.start(t)
	s := e.opened(t, p, res, stereoOpened())
	_ = p.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), time.Now().Add(time.Second))
	_ = p.ws.Close()
	waitDone(t, s.Done(), "session end")
	if !errors.Is(s.Err(), ErrConnectionLost) {
		t.Fatalf("Err %v", s.Err())
	}
	if err := s.WriteAudio(tone(20*time.Millisecond, 1)); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrConnectionLost) {
		t.Fatalf("WriteAudio after the drop = %v", err)
	}
}
