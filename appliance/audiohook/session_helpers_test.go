package audiohook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testAPIKey   = "test-api-key"
	testSecret   = "c2VjcmV0IG9mIHRoZSB0ZXN0IGNsaWVudCwgMzIgYnl0ZXM="
	testWait     = 10 * time.Second // guard on every condition a test awaits
	testAudioDur = 100 * time.Millisecond
)

// testApp is an Application that records what it is told.
type testApp struct {
	decide func(OpenParams) (OpenDecision, error)

	mu       sync.Mutex
	opens    []OpenParams
	frames   []Frame // copies
	notices  []Notice
	endings  []Ending
	sessions []*ServerSession
	changed  broadcast
}

func newTestApp() *testApp { return &testApp{changed: newBroadcast()} }

func (a *testApp) Open(_ context.Context, s *ServerSession, p OpenParams) (OpenDecision, error) {
	a.mu.Lock()
	a.opens = append(a.opens, p)
	a.sessions = append(a.sessions, s)
	decide := a.decide
	a.changed.notify()
	a.mu.Unlock()
	if decide != nil {
		return decide(p)
	}
	return OpenDecision{}, nil
}

func (a *testApp) Audio(_ *ServerSession, f *Frame) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.frames = append(a.frames, Frame{Position: f.Position, Samples: slices.Clone(f.Samples), Media: f.Media, Payload: slices.Clone(f.Payload)})
	a.changed.notify()
}

func (a *testApp) Notify(_ *ServerSession, n Notice) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.notices = append(a.notices, n)
	a.changed.notify()
}

func (a *testApp) Closed(_ *ServerSession, e Ending) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.endings = append(a.endings, e)
	a.changed.notify()
}

// wait blocks until cond (called with a.mu held) holds.
func (a *testApp) wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(testWait)
	for {
		a.mu.Lock()
		ok, ch := cond(), a.changed.ch
		a.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (a *testApp) session(t testing.TB) *ServerSession {
	t.Helper()
	a.wait(t, "an open", func() bool { return len(a.sessions) > 0 })
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[len(a.sessions)-1]
}

// testEnv is a server on 127.0.0.1 with a fake clock shared by both roles.
type testEnv struct {
	t       testing.TB
	clock   *fakeClock
	app     *testApp
	srv     *Server
	url     string
	metrics *Metrics
}

type envOption func(*ServerConfig, *VerifierConfig)

func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	checkGoroutines(t)
	e := &testEnv{t: t, clock: newFakeClock(time.Unix(1_760_000_000, 0)), app: newTestApp(), metrics: NewMetrics(nil)}
	secret, _ := DecodeSecret(testSecret)
	vc := VerifierConfig{Credentials: StaticCredentials{testAPIKey: secret}, Clock: e.clock, Metrics: e.metrics, MinFailureDelay: -1}
	sc := ServerConfig{Application: e.app, Clock: e.clock, Metrics: e.metrics}
	for _, o := range opts {
		o(&sc, &vc)
	}
	v, err := NewVerifier(vc)
	if err != nil {
		t.Fatal(err)
	}
	sc.Verifier = v
	if e.srv, err = NewServer(sc); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/audiohook", e.srv)
	ts := httptest.NewServer(mux) // 127.0.0.1, ephemeral port
	e.url = "ws" + strings.TrimPrefix(ts.URL, "http") + "/audiohook"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = e.srv.Shutdown(ctx)
		ts.Close()
	})
	return e
}

type clientOption func(*ClientConfig)

func (e *testEnv) client(opts ...clientOption) *Client {
	e.t.Helper()
	secret, _ := DecodeSecret(testSecret)
	cfg := ClientConfig{URL: e.url, APIKey: testAPIKey, Secret: secret, OrganizationID: testOrg, Clock: e.clock, Metrics: e.metrics}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// open opens a session with a new conversation and registers its close.
func (e *testEnv) open(c *Client, req OpenRequest) *ClientSession {
	e.t.Helper()
	if req.ConversationID == "" {
		req.ConversationID = NewUUID()
		req.Participant = Participant{ID: NewUUID(), ANI: "+15551230000", DNIS: "+15559870000"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	s, err := c.Open(ctx, req)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.t.Cleanup(s.Abort)
	return s
}

// closeClient runs the close transaction and checks it was clean.
func closeClient(t testing.TB, s *ClientSession, reason CloseReason) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := s.Close(ctx, reason); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// tone returns d of stereo audio: a ramp on external, its negation on internal.
func tone(d time.Duration, seed int) []int16 {
	n := int(d * SampleRate / time.Second)
	out := make([]int16, 2*n)
	for i := 0; i < n; i++ {
		v := int16((i*97 + seed*1000) % 20000)
		out[2*i], out[2*i+1] = v, -v
	}
	return out
}

// waitDone waits for a channel to close.
func waitDone(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(testWait):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// checkGoroutines fails the test if, once every later cleanup has run (the
// server's shutdown, the clients' aborts), goroutines outlive it: session
// read loops, ping and timer goroutines, open decisions.
func checkGoroutines(t testing.TB) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		deadline := time.Now().Add(testWait)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines leaked:\n%s", runtime.NumGoroutine()-base, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}
