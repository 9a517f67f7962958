package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance"
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/relay"
	dto "github.com/prometheus/client_model/go"
)

// portBase hands each test its own media port range so parallel packages
// and tests do not compete for the same ports.
var portBase atomic.Int32

// edge is an appliance running in-process for one test.
type edge struct {
	t      *testing.T
	app    *appliance.Appliance
	cfg    *config.Config
	admin  string
	cancel context.CancelFunc // stops Run, as SIGTERM does
	done   chan error         // Run's result
}

// startEdge runs an appliance on loopback with ephemeral SIP and admin ports.
func startEdge(t *testing.T, mutate func(*config.Config)) *edge {
	t.Helper()
	e, _ := startEdgeLogged(t, mutate)
	return e
}

// startEdgeLogged is startEdge that also hands back the appliance's log,
// which the test logs when it fails.
func startEdgeLogged(t *testing.T, mutate func(*config.Config)) (*edge, *logBuffer) {
	t.Helper()
	cfg := config.Default()
	cfg.SIP.Listen = []string{"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Recording.Dir = t.TempDir()
	lo := 31000 + 400*int(portBase.Add(1)%40)
	cfg.Media.Ports = fmt.Sprintf("%d-%d", lo, lo+399)
	cfg.DrainTimeout = 5 * time.Second
	if mutate != nil {
		mutate(cfg)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("appliance log:\n%s", logs.String())
		}
	})
	app, err := appliance.New(cfg, appliance.WithLogger(log), appliance.WithVersion("e2e"))
	if err != nil {
		t.Fatalf("appliance.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	select {
	case <-app.Started():
	case err := <-done:
		cancel()
		t.Fatalf("appliance.Run: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("appliance did not start")
	}
	e := &edge{t: t, app: app, cfg: cfg, admin: "http://" + app.AdminAddr(), cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- <-done; close(e.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err, ok := <-e.done:
			if ok && err != nil {
				t.Errorf("appliance.Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("appliance did not stop")
		}
	})
	return e, logs
}

// sip returns the SIP address for a transport, as host:port.
func (e *edge) sip(network string) string {
	ap, ok := e.app.SIPAddr(network)
	if !ok {
		e.t.Fatalf("no %s listener", network)
	}
	return ap.String()
}

// postCTI delivers a CTI event through the admin API, like an operator would.
func (e *edge) postCTI(ev cti.Event) {
	e.t.Helper()
	b, _ := json.Marshal(ev)
	res, err := http.Post(e.admin+"/v1/cti", "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatalf("POST /v1/cti: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusAccepted {
		e.t.Fatalf("POST /v1/cti: %d %s", res.StatusCode, body)
	}
}

// call is one entry of GET /v1/calls, as much as the tests read.
type call struct {
	ID    string      `json:"id"`
	State string      `json:"state"`
	Keys  callkey.Set `json:"keys"`
}

func (e *edge) calls() []call {
	e.t.Helper()
	res, err := http.Get(e.admin + "/v1/calls")
	if err != nil {
		e.t.Fatalf("GET /v1/calls: %v", err)
	}
	defer res.Body.Close()
	var out []call
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatalf("GET /v1/calls: %v", err)
	}
	return out
}

// waitCall waits until a live call holds key in state.
func (e *edge) waitCall(key callkey.Key, state string, timeout time.Duration) call {
	e.t.Helper()
	var found call
	waitFor(e.t, timeout, fmt.Sprintf("a %s call with %v", state, key), func() bool {
		for _, c := range e.calls() {
			if c.Keys.Has(key) && c.State == state {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// recording waits for the completed recording of a session and returns its
// manifest and WAV path.
func (e *edge) recording(sessionID string, timeout time.Duration) (relay.Manifest, string) {
	e.t.Helper()
	var (
		m    relay.Manifest
		path string
	)
	waitFor(e.t, timeout, "recording of "+sessionID, func() bool {
		matches, _ := filepath.Glob(filepath.Join(e.cfg.Recording.Dir, "*", sessionID+".json"))
		if len(matches) == 0 {
			return false
		}
		b, err := os.ReadFile(matches[0])
		if err != nil || json.Unmarshal(b, &m) != nil {
			return false
		}
		path = strings.TrimSuffix(matches[0], ".json") + ".wav"
		return m.Status == relay.StatusComplete
	})
	return m, path
}

// recordingByKey finds the completed recording whose keys hold key.
func (e *edge) recordingByKey(key callkey.Key, timeout time.Duration) (relay.Manifest, string) {
	e.t.Helper()
	var (
		m    relay.Manifest
		path string
	)
	waitFor(e.t, timeout, fmt.Sprintf("recording with %v", key), func() bool {
		matches, _ := filepath.Glob(filepath.Join(e.cfg.Recording.Dir, "*", "*.json"))
		for _, f := range matches {
			var cur relay.Manifest
			b, err := os.ReadFile(f)
			if err != nil || json.Unmarshal(b, &cur) != nil {
				continue
			}
			if cur.Keys.Has(key) && cur.Status == relay.StatusComplete {
				m, path = cur, strings.TrimSuffix(f, ".json")+".wav"
				return true
			}
		}
		return false
	})
	return m, path
}

// counter sums a counter family's samples whose labels include want.
func (e *edge) counter(name string, want map[string]string) float64 {
	e.t.Helper()
	families, err := e.app.Registry().Gather()
	if err != nil {
		e.t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelsMatch(m, want) {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		ok := false
		for _, l := range m.GetLabel() {
			if l.GetName() == k && l.GetValue() == v {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logBuffer keeps the appliance's log for a failing test. Goroutines may
// still log after the test ends, so it must not be the test's own log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
