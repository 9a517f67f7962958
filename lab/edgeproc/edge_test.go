package edgeproc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// built is cogito-edge, built once for this package's tests.
var built = &Binary{Pattern: "edgeproc-bin-*"}

func edgeBinary(t *testing.T) string { return built.Path(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	built.Remove()
	os.Exit(code)
}

func TestStartStop(t *testing.T) {
	bin := edgeBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	e, err := Start(ctx, Options{Binary: bin, Dir: dir, MaxSessions: 10, LogLevel: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Stop() })

	if !e.Ready(ctx) || e.Err() != nil || e.PID() <= 0 {
		t.Fatalf("ready %v err %v pid %d", e.Ready(ctx), e.Err(), e.PID())
	}
	if e.SIPAddr() != e.Config().SIP || !strings.HasSuffix(e.CTIURL(), "/v1/cti") || e.Dir() != dir {
		t.Fatalf("addresses: %v %s %s", e.SIPAddr(), e.CTIURL(), e.Dir())
	}
	if _, err := os.Stat(e.ConfigPath()); err != nil {
		t.Fatal(err)
	}
	calls, err := e.Calls(ctx)
	if err != nil || len(calls) != 0 {
		t.Fatalf("calls %v %v", calls, err)
	}
	m, err := e.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, short := range []string{"media_packets_received_total", "media_packets_dropped_total", "gate_sessions", "sip_dialogs"} {
		if name := m.Name(short); !m.Has(name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	if free := m.Edge("media_ports_free"); int(free) < 2*10 {
		t.Errorf("ports_free %v for 10 sessions", free)
	}
	// A start for a call nobody holds waits in the early-event cache.
	res, err := e.CTI(ctx, cti.Event{Type: cti.Start, UCID: "00476A1B69FA4C11", Direction: cti.Inbound, At: time.Now()})
	if err != nil || res.Outcome == "" || len(res.Applied) != 0 {
		t.Fatalf("CTI: %+v %v", res, err)
	}
	if _, err := e.CTI(ctx, cti.Event{Type: "dance"}); !errors.Is(err, ErrAPI) {
		t.Fatalf("invalid CTI: %v", err)
	}
	u, err := e.Usage()
	if err != nil || u.RSS == 0 || u.Threads < 2 {
		t.Fatalf("usage %+v %v", u, err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 100*time.Millisecond)
	if _, err := e.WaitCall(wctx, HasKey("ucid:00476A1B69FA4C11", "")); err == nil {
		t.Fatal("WaitCall found a call that does not exist")
	}
	wcancel()

	start := time.Now()
	if err := e.Stop(); err != nil {
		t.Fatalf("Stop: %v\n%s", err, e.LogTail(20))
	}
	t.Logf("stopped in %v", time.Since(start))
	if err := e.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	select {
	case <-e.Exited():
	default:
		t.Fatal("not exited after Stop")
	}
	if !errors.Is(e.Err(), ErrExited) {
		t.Fatalf("Err after Stop: %v", e.Err())
	}
	logs, err := e.Logs()
	if err != nil {
		t.Fatal(err)
	}
	var sawReady, sawStopped bool
	for _, l := range logs {
		sawReady = sawReady || l.Msg == "cogito-edge running"
		sawStopped = sawStopped || l.Msg == "stopped"
		if l.Level == "ERROR" {
			t.Errorf("error logged: %s", l.Raw)
		}
	}
	if !sawReady || !sawStopped {
		t.Errorf("log lacks running/stopped lines:\n%s", e.LogTail(30))
	}
}

func TestStartOwnDirRemoved(t *testing.T) {
	bin := edgeBinary(t)
	e, err := Start(t.Context(), Options{Binary: bin, MaxSessions: 4})
	if err != nil {
		t.Fatal(err)
	}
	dir := e.Dir()
	if _, err := os.Stat(filepath.Join(dir, "edge.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary dir %s left behind: %v", dir, err)
	}
}

// TestStartFailure runs a stand-in that exits at once with a config
// error: Start must say so and quote its output.
func TestStartFailure(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		script string
		want   error
		text   string
	}{
		"exits":        {"#!/bin/sh\necho 'cogito-edge run: config: boom' >&2\nexit 2\n", ErrExited, "boom"},
		"never ready":  {"#!/bin/sh\nexec sleep 30\n", ErrNotReady, ""},
		"address used": {"#!/bin/sh\necho 'listen tcp 127.0.0.1:1: bind: address already in use' >&2\nexit 1\n", ErrExited, "already in use"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
			if err := os.WriteFile(bin, []byte(tt.script), 0o755); err != nil {
				t.Fatal(err)
			}
			e, err := Start(t.Context(), Options{Binary: bin, Dir: t.TempDir(), ReadyTimeout: 300 * time.Millisecond})
			if err == nil {
				e.Stop()
				t.Fatal("Start succeeded")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.text)
			}
		})
	}
	if _, err := Start(t.Context(), Options{Binary: filepath.Join(dir, "missing")}); err == nil {
		t.Fatal("a missing binary must fail")
	}
}
