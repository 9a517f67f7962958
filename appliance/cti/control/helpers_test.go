package control

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
)

// fakeCloud is a scripted control-channel server on loopback: every
// connection it accepts shows up on conns, and the test drives it.
type fakeCloud struct {
	t     testing.TB
	srv   *httptest.Server
	conns chan *cloudConn
	// refuse, while set, answers upgrades with 503.
	refuse atomic.Bool
	// attempts records when each upgrade request came.
	mu       sync.Mutex
	attempts []time.Time
}

func newFakeCloud(t testing.TB) *fakeCloud {
	f := &fakeCloud{t: t, conns: make(chan *cloudConn, 16)}
	up := websocket.Upgrader{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.attempts = append(f.attempts, time.Now())
		f.mu.Unlock()
		if f.refuse.Load() {
			http.Error(w, "not now", http.StatusServiceUnavailable)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		cc := &cloudConn{ws: ws, in: make(chan Message, 256), raw: make(chan []byte, 256), done: make(chan struct{})}
		cc.autoPong.Store(true)
		go cc.routineRead()
		f.conns <- cc
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// url is the server's ws:// URL.
func (f *fakeCloud) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/v1/edge" }

// accept waits for the next connection.
func (f *fakeCloud) accept(t testing.TB) *cloudConn {
	t.Helper()
	select {
	case cc := <-f.conns:
		t.Cleanup(func() { cc.ws.Close() })
		return cc
	case <-time.After(10 * time.Second):
		t.Fatal("no connection from the client")
		return nil
	}
}

func (f *fakeCloud) attemptTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.attempts)
}

// cloudConn is one accepted connection. Its reader answers pings (while
// autoPong) and passes every message on.
type cloudConn struct {
	ws       *websocket.Conn
	in       chan Message
	raw      chan []byte
	done     chan struct{} // closed when the reader stops
	autoPong atomic.Bool
	wmu      sync.Mutex
	backlog  []Message // read by expect, not yet wanted; the test's goroutine only
}

func (cc *cloudConn) routineRead() {
	defer close(cc.done)
	for {
		_, b, err := cc.ws.ReadMessage()
		if err != nil {
			return
		}
		m, err := Unmarshal(b)
		if err != nil {
			continue
		}
		if m.Type == TypePing && cc.autoPong.Load() {
			cc.sendRaw(websocket.TextMessage, mustMarshal(Message{Type: TypePong, ID: m.ID}))
		}
		select {
		case cc.in <- m:
		default: // a test that does not read: drop
		}
	}
}

func mustMarshal(m Message) []byte {
	b, err := Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func (cc *cloudConn) send(m Message) { cc.sendRaw(websocket.TextMessage, mustMarshal(m)) }

func (cc *cloudConn) sendRaw(mt int, b []byte) {
	cc.wmu.Lock()
	defer cc.wmu.Unlock()
	_ = cc.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = cc.ws.WriteMessage(mt, b)
}

// expect returns the next message of type typ. Pings and pongs it skips;
// other messages it keeps for a later expect, so that the test does not
// depend on the order of an ack and an announcement.
func (cc *cloudConn) expect(t testing.TB, typ Type) Message {
	t.Helper()
	for i, m := range cc.backlog {
		if m.Type == typ {
			cc.backlog = slices.Delete(cc.backlog, i, i+1)
			return m
		}
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-cc.in:
			switch {
			case m.Type == typ:
				return m
			case m.Type != TypePing && m.Type != TypePong:
				cc.backlog = append(cc.backlog, m)
			}
		case <-cc.done:
			t.Fatalf("connection closed while waiting for %s", typ)
		case <-deadline:
			t.Fatalf("no %s message", typ)
		}
	}
}

// closed waits until the client dropped the connection.
func (cc *cloudConn) closed(t testing.TB, within time.Duration) {
	t.Helper()
	select {
	case <-cc.done:
	case <-time.After(within):
		t.Fatalf("connection still open after %v", within)
	}
}

// fakeGate records delivered events and serves a fixed session list.
type fakeGate struct {
	mu       sync.Mutex
	sessions []gate.Snapshot
	events   []cti.Event
	result   gate.DeliverResult
	err      error
}

func (g *fakeGate) Deliver(ctx context.Context, ev cti.Event) (gate.DeliverResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := ev.Validate(); err != nil {
		return gate.DeliverResult{}, err
	}
	g.events = append(g.events, ev)
	return g.result, g.err
}

func (g *fakeGate) Sessions() []gate.Snapshot {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.sessions)
}

// testClient is a running client with its log and metrics.
type testClient struct {
	*Client
	reg  *prometheus.Registry
	logs *logBuf
	stop func() // cancels Run and waits for it
}

// startClient runs a client against url; edit may change its config.
func startClient(t testing.TB, url string, g Gate, edit func(*Config)) *testClient {
	t.Helper()
	cfg := Config{URL: url, ApplianceID: "edge-test", Version: "test", PingInterval: time.Second,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	logs := &logBuf{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("client log:\n%s", logs.String())
		}
	})
	reg := prometheus.NewPedanticRegistry()
	c, err := New(cfg, g, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), NewMetrics(reg))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return")
			}
		})
	}
	t.Cleanup(stop)
	return &testClient{Client: c, reg: reg, logs: logs, stop: stop}
}

// metric is the value of name{labels...} in the client's registry; 0 if absent.
func (c *testClient) metric(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := c.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// eventually polls cond until it holds or d passes; the client's state
// changes on its own goroutines.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logBuf collects a log that goroutines may write after the test ended.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
