package control

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// TestPings: the client pings every interval and answers the cloud's
// pings; a cloud that answers keeps the connection.
func TestPings(t *testing.T) {
	t.Parallel()
	cloud := newFakeCloud(t)
	c := startClient(t, cloud.url(), &fakeGate{}, func(c *Config) { c.PingInterval = 100 * time.Millisecond })
	cc := cloud.accept(t)
	cc.expect(t, TypeHello)
	p1, p2 := cc.expect(t, TypePing), cc.expect(t, TypePing)
	if p1.ID == "" || p1.ID == p2.ID {
		t.Errorf("ping ids %q, %q: want distinct", p1.ID, p2.ID)
	}
	cc.send(Message{Type: TypePing, ID: "cloud-1"})
	if p := cc.expect(t, TypePong); p.ID != "cloud-1" {
		t.Errorf("pong id %q", p.ID)
	}
	// Ten intervals later the connection is still the first one.
	for range 10 {
		cc.expect(t, TypePing)
	}
	if !c.Connected() || c.metric(t, "cogito_edge_control_connect_attempts_total", "result", "ok") != 1 {
		t.Fatal("connection dropped although the cloud answers")
	}
	if age := c.metric(t, "cogito_edge_control_last_message_age_seconds"); age > 1 {
		t.Errorf("last_message_age_seconds = %v", age)
	}
}

// TestDeadServer: a cloud whose TCP connection stays open but that sends
// nothing is dropped within about two ping intervals, and the client
// connects again.
func TestDeadServer(t *testing.T) {
	t.Parallel()
	const ping = 200 * time.Millisecond
	cloud := newFakeCloud(t)
	c := startClient(t, cloud.url(), &fakeGate{}, func(c *Config) { c.PingInterval = ping })
	cc := cloud.accept(t)
	cc.autoPong.Store(false)
	cc.expect(t, TypeHello)
	eventually(t, 5*time.Second, "connected", c.Connected)
	upAt := time.Now()
	cc.closed(t, 10*ping)
	if d := time.Since(upAt); d < 2*ping-50*time.Millisecond || d > 2*ping+500*time.Millisecond {
		t.Errorf("dropped after %v; want about %v", d, 2*ping)
	}
	eventually(t, 5*time.Second, "the log to say why", func() bool { return strings.Contains(c.logs.String(), "connection dead") })
	cc2 := cloud.accept(t)
	cc2.expect(t, TypeHello)
	eventually(t, 5*time.Second, "connected again", c.Connected)
	if n := c.metric(t, "cogito_edge_control_reconnects_total"); n != 1 {
		t.Errorf("reconnects_total = %v", n)
	}
}

// TestReconnectBackoff: while the cloud refuses, attempts space out
// exponentially with jitter up to the cap; once it accepts, the client
// connects.
func TestReconnectBackoff(t *testing.T) {
	t.Parallel()
	const lo, hi = 40 * time.Millisecond, 320 * time.Millisecond
	cloud := newFakeCloud(t)
	cloud.refuse.Store(true)
	c := startClient(t, cloud.url(), &fakeGate{}, func(c *Config) { c.MinBackoff, c.MaxBackoff = lo, hi })
	eventually(t, 10*time.Second, "7 attempts", func() bool { return len(cloud.attemptTimes()) >= 7 })
	at := cloud.attemptTimes()
	for i := 1; i < 7; i++ {
		gap := at[i].Sub(at[i-1])
		ceil := min(lo<<(i-1), hi)
		// The wait is in [ceil/2, ceil]; the attempt itself adds a little.
		if gap < ceil/2 || gap > ceil+150*time.Millisecond {
			t.Errorf("gap before attempt %d: %v, want %v to %v", i+1, gap, ceil/2, ceil)
		}
	}
	if c.Connected() {
		t.Fatal("connected while the cloud refuses")
	}
	if st := c.Status(); !strings.Contains(st.LastError, "503") {
		t.Errorf("last error %q does not give the HTTP status", st.LastError)
	}
	eventually(t, 5*time.Second, "7 failed attempts counted", func() bool {
		return c.metric(t, "cogito_edge_control_connect_attempts_total", "result", "error") >= 7
	})
	cloud.refuse.Store(false)
	cloud.accept(t).expect(t, TypeHello)
	eventually(t, 5*time.Second, "connected", c.Connected)
	if n := c.metric(t, "cogito_edge_control_reconnects_total"); n != 0 {
		t.Errorf("reconnects_total = %v for the first connection", n)
	}
	if n := c.metric(t, "cogito_edge_control_connected"); n != 1 {
		t.Errorf("connected = %v", n)
	}
}

// TestGrace: Ready holds while the channel is up or down within the grace,
// and fails past it; a new connection makes it ready again.
func TestGrace(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		grace      time.Duration
		readyFirst bool // ready at once after the drop
	}{
		"300ms grace": {grace: 300 * time.Millisecond, readyFirst: true},
		"no grace":    {grace: -1, readyFirst: false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cloud := newFakeCloud(t)
			c := startClient(t, cloud.url(), &fakeGate{}, func(c *Config) { c.Grace = tt.grace })
			cc := cloud.accept(t)
			cc.expect(t, TypeHello)
			eventually(t, 5*time.Second, "connected", c.Connected)
			if err := c.Ready(); err != nil {
				t.Fatalf("Ready while connected: %v", err)
			}
			cloud.refuse.Store(true)
			dropped := time.Now()
			cc.ws.Close()
			eventually(t, 5*time.Second, "disconnected", func() bool { return !c.Connected() })
			if err := c.Ready(); (err == nil) != tt.readyFirst && time.Since(dropped) < tt.grace/2 {
				t.Errorf("Ready just after the drop: %v", err)
			}
			eventually(t, 5*time.Second, "not ready", func() bool { return c.Ready() != nil })
			if d := time.Since(dropped); d < tt.grace {
				t.Errorf("not ready after %v, before the grace of %v", d, tt.grace)
			}
			err := c.Ready()
			if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "down for") {
				t.Errorf("Ready: %v", err)
			}
			if c.DownFor() < max(tt.grace, 0) {
				t.Errorf("DownFor %v", c.DownFor())
			}
			cloud.refuse.Store(false)
			cloud.accept(t).expect(t, TypeHello)
			eventually(t, 5*time.Second, "ready again", func() bool { return c.Ready() == nil })
		})
	}
}

// TestRefusedMessages: what the client cannot use is refused and counted,
// and the connection goes on.
func TestRefusedMessages(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		mt     int
		msg    string
		metric string
		labels []string
		ack    Outcome // an ack is expected
	}{
		"unknown type":    {websocket.TextMessage, `{"v":1,"type":"reboot","id":"r1","data":{"now":true}}`, "cogito_edge_control_messages_total", []string{"direction", "in", "type", "unknown"}, ""},
		"not JSON":        {websocket.TextMessage, `hello?`, "cogito_edge_control_refused_messages_total", []string{"reason", "malformed"}, ""},
		"unknown field":   {websocket.TextMessage, `{"v":1,"type":"ping","id":"p","extra":1}`, "cogito_edge_control_refused_messages_total", []string{"reason", "malformed"}, ""},
		"binary":          {websocket.BinaryMessage, `{"v":1,"type":"ping","id":"p"}`, "cogito_edge_control_refused_messages_total", []string{"reason", "binary"}, ""},
		"version 2":       {websocket.TextMessage, `{"v":2,"type":"ping","id":"p"}`, "cogito_edge_control_refused_messages_total", []string{"reason", "version"}, ""},
		"a hello":         {websocket.TextMessage, `{"v":1,"type":"hello","data":{"appliance_id":"cloud","version":"","sessions":[]}}`, "cogito_edge_control_refused_messages_total", []string{"reason", "unexpected"}, ""},
		"invalid CTI":     {websocket.TextMessage, `{"v":1,"type":"cti","id":"e9","data":{"type":"start","ucid":"not-a-ucid"}}`, "cogito_edge_control_cti_events_total", []string{"outcome", "invalid"}, OutcomeInvalid},
		"CTI extra field": {websocket.TextMessage, `{"v":1,"type":"cti","id":"e9","data":{"type":"start","ucid":"004762C169FA480C","x":1}}`, "cogito_edge_control_cti_events_total", []string{"outcome", "invalid"}, OutcomeInvalid},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := &fakeGate{}
			cloud := newFakeCloud(t)
			c := startClient(t, cloud.url(), g, nil)
			cc := cloud.accept(t)
			cc.expect(t, TypeHello)
			cc.sendRaw(tt.mt, []byte(tt.msg))
			if tt.ack != "" {
				if a := cc.expect(t, TypeAck); a.ID != "e9" || a.Ack.Outcome != tt.ack || a.Ack.Error == "" {
					t.Errorf("ack %s %+v", a.ID, a.Ack)
				}
			}
			// The connection still works: a ping after it is answered.
			cc.send(Message{Type: TypePing, ID: "after"})
			if p := cc.expect(t, TypePong); p.ID != "after" {
				t.Fatalf("pong %q", p.ID)
			}
			if n := c.metric(t, tt.metric, tt.labels...); n != 1 {
				t.Errorf("%s%v = %v, want 1", tt.metric, tt.labels, n)
			}
			if len(g.events) != 0 {
				t.Errorf("gate got %v", g.events)
			}
			if n := c.metric(t, "cogito_edge_control_connect_attempts_total", "result", "ok"); n != 1 {
				t.Errorf("the connection was replaced (%v connections)", n)
			}
		})
	}
}

// TestOversize: a message over MaxMessageSize drops the connection (its
// rest is never read), is counted, and the client connects again.
func TestOversize(t *testing.T) {
	t.Parallel()
	cloud := newFakeCloud(t)
	c := startClient(t, cloud.url(), &fakeGate{}, nil)
	cc := cloud.accept(t)
	cc.expect(t, TypeHello)
	cc.sendRaw(websocket.TextMessage, []byte(`{"v":1,"type":"ping","id":"`+strings.Repeat("x", MaxMessageSize)+`"}`))
	cc.closed(t, 5*time.Second)
	cloud.accept(t).expect(t, TypeHello)
	if n := c.metric(t, "cogito_edge_control_refused_messages_total", "reason", "oversize"); n != 1 {
		t.Errorf("refused{oversize} = %v", n)
	}
	eventually(t, 5*time.Second, "the log to say why", func() bool { return strings.Contains(c.logs.String(), "too large") })
}

// TestHelloSplit: sessions that do not fit in one hello follow it as
// session messages.
func TestHelloSplit(t *testing.T) {
	t.Parallel()
	g := &fakeGate{}
	const n = 80 // × 64 keys × ~270 bytes: about 1.4 MB
	for i := range n {
		var ks callkey.Set
		for j := range callkey.MaxSetLen {
			k, err := callkey.CallID(fmt.Sprintf("%s-%d-%d", strings.Repeat("c", 250), i, j))
			if err != nil {
				t.Fatal(err)
			}
			ks.Add(k)
		}
		g.sessions = append(g.sessions, gate.Snapshot{ID: fmt.Sprintf("s%d", i), State: gate.StatePending, Keys: ks})
	}
	cloud := newFakeCloud(t)
	startClient(t, cloud.url(), g, nil)
	cc := cloud.accept(t)
	h := cc.expect(t, TypeHello).Hello
	if len(h.Sessions) == 0 || len(h.Sessions) >= n {
		t.Fatalf("hello holds %d of %d sessions", len(h.Sessions), n)
	}
	seen := map[string]bool{}
	for _, s := range h.Sessions {
		seen[s.ID] = true
	}
	for len(seen) < n {
		s := cc.expect(t, TypeSession).Session
		seen[s.ID] = true
	}
	t.Logf("hello carried %d sessions, %d followed", len(h.Sessions), n-len(h.Sessions))
}

// TestStop: cancelling Run closes the connection with a close frame and
// leaves the client down.
func TestStop(t *testing.T) {
	t.Parallel()
	cloud := newFakeCloud(t)
	c := startClient(t, cloud.url(), &fakeGate{}, nil)
	cc := cloud.accept(t)
	cc.expect(t, TypeHello)
	eventually(t, 5*time.Second, "connected", c.Connected)
	c.stop()
	cc.closed(t, 5*time.Second)
	if c.Connected() || c.metric(t, "cogito_edge_control_connected") != 0 {
		t.Error("still connected after Run returned")
	}
	if err := c.Run(t.Context()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Run: %v", err)
	}
}

func TestConfig(t *testing.T) {
	tests := map[string]struct {
		cfg  Config
		want string
	}{
		"no URL":         {Config{ApplianceID: "a"}, "URL"},
		"http URL":       {Config{URL: "http://10.99.0.1:7000/", ApplianceID: "a"}, "URL"},
		"no appliance":   {Config{URL: "ws://10.99.0.1:7000/v1/edge"}, "appliance id"},
		"negative ping":  {Config{URL: "ws://10.99.0.1:7000/v1/edge", ApplianceID: "a", PingInterval: -1}, "PingInterval"},
		"max below min":  {Config{URL: "ws://10.99.0.1:7000/v1/edge", ApplianceID: "a", MinBackoff: time.Second, MaxBackoff: time.Millisecond}, "MaxBackoff"},
		"newline in ver": {Config{URL: "ws://10.99.0.1:7000/v1/edge", ApplianceID: "a", Version: "1\n"}, "version"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tt.cfg, &fakeGate{}, nil, nil)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want ErrConfig about %s", err, tt.want)
			}
		})
	}
	c, err := New(Config{URL: "wss://10.99.0.1:7000/v1/edge", ApplianceID: "a"}, &fakeGate{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.Grace != DefaultGrace || c.cfg.PingInterval != DefaultPingInterval || c.cfg.MaxBackoff != DefaultMaxBackoff {
		t.Errorf("defaults: %+v", c.cfg)
	}
}
