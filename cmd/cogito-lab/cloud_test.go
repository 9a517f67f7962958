package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/tunnel"
)

// syncBuffer is a bytes.Buffer the command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCloudCommand runs the simulator with a new key file and a new relay
// secret file, reads the appliance-side config it prints, and stops it.
func TestCloudCommand(t *testing.T) {
	edge, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile, secretFile := filepath.Join(dir, "cloud.key"), filepath.Join(dir, "relay.secret")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runCloud(ctx, []string{"--key-file", keyFile, "--peer-key", tunnel.PublicKey(edge).String(),
			"--listen-udp", "127.0.0.1:0", "--api", "127.0.0.1:0", "--log-level", "warn",
			"--ingest-dir", filepath.Join(dir, "ingest"), "--relay-secret-file", secretFile, "--relay-api-key", "K1"}, &out, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "control_url:") {
		select {
		case code := <-done:
			t.Fatalf("exited %d: %s %s", code, out.String(), errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no config printed: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond) // output of another goroutine
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	priv, err := tunnel.ReadKeyFile(keyFile)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	for _, want := range []string{"public_key: " + tunnel.PublicKey(priv).String(), "endpoint: 127.0.0.1:",
		"control_url: ws://10.99.0.1:7000/v1/edge", "address: 10.99.0.2/32", "source: cloud", "API http://127.0.0.1:",
		"sink: both", "url: ws://10.99.0.1:7001/audiohook", "api_key: K1", "client_secret_file: " + secretFile} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{keyFile, secretFile} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", f, fi.Mode(), err)
		}
	}
	b, _ := os.ReadFile(secretFile)
	if s, err := audiohook.DecodeSecret(string(b)); err != nil || len(s) != 32 {
		t.Errorf("relay secret file %q: %d bytes, %v", b, len(s), err)
	}
}

func TestCloudFlags(t *testing.T) {
	pub := tunnel.PublicKey(tunnel.Key{1}).String()
	key := filepath.Join(t.TempDir(), "k")
	tests := map[string]struct {
		args []string
		code int
		msg  string
	}{
		"help":            {[]string{"-h"}, exitOK, ""},
		"no peer key":     {[]string{"--key-file", key}, exitUsage, "--peer-key is required"},
		"bad peer key":    {[]string{"--key-file", key, "--peer-key", "nope"}, exitUsage, "--peer-key"},
		"no key file":     {[]string{"--peer-key", pub}, exitUsage, "--key-file is required"},
		"bad udp":         {[]string{"--key-file", key, "--peer-key", pub, "--listen-udp", "localhost"}, exitUsage, "--listen-udp"},
		"bad address":     {[]string{"--key-file", key, "--peer-key", pub, "--address", "10.99.0.1"}, exitUsage, "--address"},
		"bad api":         {[]string{"--key-file", key, "--peer-key", pub, "--api", "0.0.0.0:7080"}, exitUsage, "API"},
		"extra arg":       {[]string{"--key-file", key, "--peer-key", pub, "now"}, exitUsage, "unexpected"},
		"bad log level":   {[]string{"--key-file", key, "--peer-key", pub, "--log-level", "loud"}, exitUsage, ""},
		"bad ingest port": {[]string{"--key-file", key, "--peer-key", pub, "--ingest-port", "70000"}, exitUsage, "--ingest-port"},
		"no secret file":  {[]string{"--key-file", key, "--peer-key", pub, "--relay-secret-file", ""}, exitUsage, "--relay-secret-file"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var out, errb syncBuffer
			code := runCloud(t.Context(), tt.args, &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tt.code, errb.String(), tt.msg)
			}
		})
	}
	code, out, _ := runCLI("help", "cloud")
	if code != exitOK || !strings.Contains(out, "-peer-key") {
		t.Errorf("help cloud: %d %s", code, out)
	}
}
