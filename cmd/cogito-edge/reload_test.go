package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
)

func newTestReloader(t *testing.T, yaml string, apply func(*config.Config) error) (*reloader, string, *bytes.Buffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "edge.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadChecked(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	level := new(slog.LevelVar)
	level.Set(cfg.Log.SlogLevel())
	r := &reloader{path: path, cur: cfg, level: level, log: slog.New(slog.NewTextHandler(&logs, nil)), apply: apply}
	return r, path, &logs
}

func rewrite(t *testing.T, path, yaml string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReload(t *testing.T) {
	const before = "sip: {allow: [10.20.0.0/24]}\nmedia: {ports: 20000-20999}\n"
	const after = "sip: {allow: [10.30.0.0/24]}\nmedia: {ports: 30000-30999}\nlog: {level: debug}\n"

	var got *config.Config
	r, path, logs := newTestReloader(t, before, func(c *config.Config) error { got = c; return nil })
	rewrite(t, path, after)
	if err := r.reload(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.SIP.Allow[0] != "10.30.0.0/24" || got.Media.Ports != "20000-20999" {
		t.Fatalf("applied %+v", got)
	}
	if r.level.Level() != slog.LevelDebug || r.cur != got {
		t.Fatal("level or running config not updated")
	}
	for _, want := range []string{`msg="reload: applied" keys="[log.level sip.allow]"`, `keys=[media.ports]`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}

	// A broken file changes nothing.
	running := r.cur
	rewrite(t, path, "media: {ports: nope}\n")
	if err := r.reload(); err == nil || r.cur != running {
		t.Fatalf("broken file: err %v", err)
	}
	if !strings.Contains(logs.String(), "config rejected") {
		t.Fatalf("logs:\n%s", logs)
	}

	// An appliance that refuses keeps the running config.
	r.apply = func(*config.Config) error { return errors.New("no") }
	rewrite(t, path, "sip: {allow: [10.40.0.0/24]}\n")
	if err := r.reload(); err == nil || r.cur != running {
		t.Fatalf("refused: err %v", err)
	}
}

// An unchanged config is still applied, so that the files it names
// (credentials, secrets) are read again; a refusal is an error.
func TestReloadUnchanged(t *testing.T) {
	const yaml = "sip: {allow: [10.20.0.0/24]}\n"
	calls := 0
	var refuse error
	r, _, logs := newTestReloader(t, yaml, func(c *config.Config) error { calls++; return refuse })
	running := r.cur
	if err := r.reload(); err != nil || calls != 1 || r.cur != running {
		t.Fatalf("err %v, calls %d", err, calls)
	}
	if !strings.Contains(logs.String(), "credential files re-read") {
		t.Fatalf("logs:\n%s", logs)
	}
	refuse = errors.New("secret refused")
	if err := r.reload(); err == nil || calls != 2 || r.cur != running {
		t.Fatalf("refused: err %v, calls %d", err, calls)
	}
	r.apply = nil
	if err := r.reload(); err != nil || !strings.Contains(logs.String(), "reload: no changes") {
		t.Fatalf("without a hook: err %v\n%s", err, logs)
	}
}

// Without an appliance Reload, only the log level is applied.
func TestReloadWithoutHook(t *testing.T) {
	r, path, logs := newTestReloader(t, "log: {level: info}\n", nil)
	rewrite(t, path, "log: {level: error}\ngate: {match_timeout: 2m}\n")
	if err := r.reload(); err != nil {
		t.Fatal(err)
	}
	if r.level.Level() != slog.LevelError || r.cur.Log.Level != "error" || r.cur.Gate.MatchTimeout != time.Minute {
		t.Fatalf("cur %+v", r.cur.Gate)
	}
	if !strings.Contains(logs.String(), "keys=[gate.match_timeout]") {
		t.Fatalf("logs:\n%s", logs)
	}
	if liveReload(struct{}{}) != nil {
		t.Fatal("liveReload found a Reload method on struct{}")
	}
}

func TestReloadNoFile(t *testing.T) {
	var logs bytes.Buffer
	r := &reloader{cur: config.Default(), level: new(slog.LevelVar), log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := r.reload(); err != nil || !strings.Contains(logs.String(), "nothing to reload") {
		t.Fatalf("err %v logs %s", err, logs.String())
	}
}
