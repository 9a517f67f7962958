package audiohook

import (
	"strings"
	"testing"
)

// TestServerAnswersViolations drives the server with a hand-made client and
// checks each violation is answered with disconnect{error} carrying the
// code, that the client's close still gets its closed, and that the code is
// counted.
func TestServerAnswersViolations(t *testing.T) {
	ping := func(id string, seq, sseq int64) []byte { return clientMsg(id, TypePing, seq, sseq, &PingParameters{}) }
	cases := []struct {
		name        string
		startPaused bool
		// steps run after open (seq 1) was answered by opened (seq 1); they
		// return the client seq of the next message.
		steps func(t *testing.T, p *rawPeer) int64
		code  string // expected disconnect info prefix; "" when tolerated
	}{
		{name: "seq gap", code: "400", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, ping(p.sessionID, 3, 1))
			return 4
		}},
		{name: "seq duplicate", code: "400", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, ping(p.sessionID, 1, 1))
			return 2
		}},
		{name: "serverseq of a message never sent", code: "400", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, ping(p.sessionID, 2, 9))
			return 3
		}},
		{name: "another session's id", code: "400", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, ping(NewUUID(), 2, 1))
			return 3
		}},
		{name: "malformed JSON", code: "400", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, []byte(`{"version":"2",`))
			return 2
		}},
		{name: "unknown type", code: "405", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, []byte(`{"version":"2","id":"`+p.sessionID+`","type":"hello","seq":2,"serverseq":1,"position":"PT0S","parameters":{}}`))
			return 3
		}},
		{name: "server message from the client", code: "405", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, serverMsg(p.sessionID, TypePong, 2, 1, &Empty{}))
			return 3
		}},
		{name: "second open", code: "409", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, openMessage(p.sessionID, testOrg, 2))
			return 3
		}},
		{name: "text frame over 64 KiB", code: "413", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, []byte(`{"pad":"`+strings.Repeat("x", MaxTextMessage)+`"}`))
			return 2
		}},
		{name: "audio while paused", startPaused: true, code: "409", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, clientMsg(p.sessionID, TypePaused, 2, 1, &Empty{}))
			p.sendBinary(t, make([]byte, 1600))
			return 3
		}},
		{name: "audio of partial samples", code: "415", steps: func(t *testing.T, p *rawPeer) int64 {
			p.sendBinary(t, make([]byte, 1599))
			return 2
		}},
		{name: "duplicated paused is tolerated", code: "", steps: func(t *testing.T, p *rawPeer) int64 {
			p.send(t, clientMsg(p.sessionID, TypePaused, 2, 1, &Empty{}))
			p.send(t, clientMsg(p.sessionID, TypePaused, 3, 1, &Empty{}))
			p.send(t, ping(p.sessionID, 4, 1))
			p.expect(t, TypePong)
			return 5
		}},
		{name: "audio while running is fine", code: "", steps: func(t *testing.T, p *rawPeer) int64 {
			p.sendBinary(t, make([]byte, 1600))
			p.send(t, ping(p.sessionID, 2, 1))
			p.expect(t, TypePong)
			return 3
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.app.decide = func(OpenParams) (OpenDecision, error) { return OpenDecision{StartPaused: tc.startPaused}, nil }
			p := dialRaw(t, e, testOrg)
			p.send(t, openMessage(p.sessionID, testOrg, 1))
			opened := p.expect(t, TypeOpened)
			if got := opened.Params.(*OpenedParameters).StartPaused; got != tc.startPaused {
				t.Fatalf("startPaused %v", got)
			}
			next := tc.steps(t, p)
			serverSeq := int64(2) // opened, then the pong of the tolerated cases
			if tc.code != "" {
				m := p.expect(t, TypeDisconnect)
				d := m.Params.(*DisconnectParameters)
				if d.Reason != DisconnectError || !strings.HasPrefix(d.Info, tc.code+" ") {
					t.Fatalf("disconnect %+v, want error %s", d, tc.code)
				}
				serverSeq = m.Seq
				if v := metricValue(e.metrics.protoErrors.WithLabelValues("server", tc.code, "local")); v != 1 {
					t.Fatalf("protocol errors %s counted %v", tc.code, v)
				}
			}
			p.send(t, clientMsg(p.sessionID, TypeClose, next, serverSeq, &CloseParameters{Reason: CloseDisconnect}))
			p.expect(t, TypeClosed)
		})
	}
}

func TestServerAnswersAudioBeforeOpened(t *testing.T) {
	e := newTestEnv(t)
	p := dialRaw(t, e, testOrg)
	p.sendBinary(t, make([]byte, 160))
	m := p.expect(t, TypeDisconnect)
	if d := m.Params.(*DisconnectParameters); !strings.HasPrefix(d.Info, "409 ") {
		t.Fatalf("disconnect %+v", d)
	}
	p.send(t, clientMsg(p.sessionID, TypeClose, 1, 1, &CloseParameters{Reason: CloseDisconnect}))
	p.expect(t, TypeClosed)
}

// TestAudioInFlightAfterPauseIsDelivered: between the server's pause and
// the client's paused, audio already sent is legitimate and delivered.
func TestAudioInFlightAfterPauseIsDelivered(t *testing.T) {
	e := newTestEnv(t)
	p := dialRaw(t, e, testOrg)
	p.send(t, openMessage(p.sessionID, testOrg, 1))
	p.expect(t, TypeOpened)
	ss := e.app.session(t)
	paused := make(chan error, 1)
	ctx := ctxT(t)
	go func() { paused <- ss.Pause(ctx) }()
	pause := p.expect(t, TypePause)
	p.sendBinary(t, make([]byte, 1600)) // sent before the client saw pause
	e.app.wait(t, "the in-flight frame", func() bool { return len(e.app.frames) == 1 })
	p.send(t, clientMsg(p.sessionID, TypePaused, 2, pause.Seq, &Empty{}))
	if err := <-paused; err != nil {
		t.Fatalf("Pause = %v", err)
	}
	p.send(t, clientMsg(p.sessionID, TypeClose, 3, pause.Seq, &CloseParameters{Reason: CloseEnd}))
	p.expect(t, TypeClosed)
	e.app.wait(t, "a clean end", func() bool { return len(e.app.endings) == 1 && e.app.endings[0].Err == nil })
}
