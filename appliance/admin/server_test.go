package admin

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/cti"
)

func TestNewValidates(t *testing.T) {
	reg := prometheus.NewRegistry()
	tests := map[string]struct {
		cfg  Config
		deps Deps
		ok   bool
	}{
		"loopback v4":      {Config{Listen: "127.0.0.1:9090"}, Deps{Registry: reg}, true},
		"loopback v6":      {Config{Listen: "[::1]:0"}, Deps{Registry: reg}, true},
		"any address":      {Config{Listen: "0.0.0.0:9090"}, Deps{Registry: reg}, false},
		"lan address":      {Config{Listen: "10.0.0.5:9090"}, Deps{Registry: reg}, false},
		"hostname":         {Config{Listen: "localhost:9090"}, Deps{Registry: reg}, false},
		"empty":            {Config{}, Deps{Registry: reg}, false},
		"no registry":      {Config{Listen: "127.0.0.1:0"}, Deps{}, false},
		"negative timeout": {Config{Listen: "127.0.0.1:0", ShutdownTimeout: -time.Second}, Deps{Registry: reg}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tt.cfg, tt.deps)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

// start runs a server on an ephemeral loopback port, closed at cleanup.
func start(t *testing.T, cfg Config, deps Deps) (*Server, string) {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, "http://" + s.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestLifecycle(t *testing.T) {
	s, err := New(Config{Listen: "127.0.0.1:0"}, Deps{Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != nil {
		t.Fatal("Addr before Start")
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr().String()
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz = %d %q", code, body)
	}
	if err := s.Start(t.Context()); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start = %v", err)
	}
	// The port is taken: a second server on it fails to start, not to New.
	s2, err := New(Config{Listen: s.Addr().String()}, Deps{Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(t.Context()); err == nil {
		t.Fatal("second server bound the same port")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if err := s.Start(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close = %v", err)
	}
	if _, err := net.Dial("tcp", s.Addr().String()); err == nil {
		t.Fatal("still accepting after Close")
	}
	if err := s2.Close(); err != nil {
		t.Fatalf("Close of a never started server = %v", err)
	}
}

// blockingCTI is a CTI handler that holds each request until released.
func blockingCTI(entered chan<- struct{}, release <-chan struct{}) func(context.Context, cti.Event) (any, error) {
	return func(ctx context.Context, ev cti.Event) (any, error) {
		entered <- struct{}{}
		<-release
		return map[string]int{"matched": 1}, nil
	}
}

func postEvent(url string) (*http.Response, error) {
	return http.Post(url+"/v1/cti", "application/json", strings.NewReader(`{"type":"start","ucid":"004762C169FA480C"}`))
}

// Close lets a request in flight finish.
func TestCloseIsGraceful(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	s, base := start(t, Config{}, Deps{CTI: blockingCTI(entered, release)})
	type result struct {
		code int
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := postEvent(base)
		if err != nil {
			got <- result{err: err}
			return
		}
		resp.Body.Close()
		got <- result{code: resp.StatusCode}
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	close(release)
	if r := <-got; r.err != nil || r.code != http.StatusAccepted {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v", err)
	}
}

// Close gives up on a stuck request after ShutdownTimeout.
func TestCloseTimesOut(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release) })
	s, base := start(t, Config{ShutdownTimeout: 50 * time.Millisecond}, Deps{CTI: blockingCTI(entered, release)})
	failed := make(chan error, 1)
	go func() {
		resp, err := postEvent(base)
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	<-entered
	if err := s.Close(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want a deadline error", err)
	}
	if err := <-failed; err == nil {
		t.Fatal("stuck request completed after its connection was cut")
	}
}
