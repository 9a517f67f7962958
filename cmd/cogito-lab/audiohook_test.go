package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/ahlab"
)

const (
	hookKey    = "cli-key"
	hookSecret = "Y2xpIHNlY3JldCBmb3IgdGhlIGxhYiBjb21tYW5kcw=="
)

// watchBuffer is a stdout that a test can wait on.
type watchBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newWatchBuffer() *watchBuffer { return &watchBuffer{changed: make(chan struct{})} }

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
	return w.b.Write(p)
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// await returns the first match of re in the output, waiting for it.
func (w *watchBuffer) await(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		w.mu.Lock()
		m, ch := re.FindStringSubmatch(w.b.String()), w.changed
		w.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %v in:\n%s", re, w.String())
		}
	}
}

// TestAudioHookCommands: audiohook-server (held paused, resumed after
// 300 ms) and audiohook-client against it, over ws:// and wss://; the
// recording has the customer's tone on channel 0 and the agent's on 1.
func TestAudioHookCommands(t *testing.T) {
	for _, tlsMode := range []string{"ws", "wss"} {
		t.Run(tlsMode, func(t *testing.T) {
			dir := t.TempDir()
			srvArgs := []string{"audiohook-server", "--listen", "127.0.0.1:0", "--dir", dir, "--once",
				"--api-key", hookKey, "--client-secret", hookSecret, "--start-paused", "--resume-after", "300ms"}
			cliArgs := []string{"audiohook-client", "--api-key", hookKey, "--client-secret", hookSecret,
				"--duration", "1s", "--json"}
			if tlsMode == "wss" {
				srvArgs = append(srvArgs, "--tls-self-signed")
				cliArgs = append(cliArgs, "--insecure")
			}
			out, errs := newWatchBuffer(), newWatchBuffer()
			done := make(chan int, 1)
			go func() { done <- run(srvArgs, out, errs) }()
			url := out.await(t, regexp.MustCompile(`listening on (wss?://\S+)`))[1]
			if !strings.HasPrefix(url, tlsMode+"://") {
				t.Fatalf("URL %s", url)
			}

			code, stdout, stderr := runCLI(append(cliArgs, "--url", url)...)
			if code != exitOK {
				t.Fatalf("client exit %d: %s\n%s", code, stdout, stderr)
			}
			var rep ahlab.PlayerReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("%v:\n%s", err, stdout)
			}
			if !rep.OpenedPaused || len(rep.ResumedAt) != 1 || rep.Outcome != "closed" ||
				rep.AudioSent+rep.AudioDiscarded != time.Second || rep.AudioSent < 300*time.Millisecond {
				t.Fatalf("report %+v", rep)
			}
			select {
			case code := <-done:
				if code != exitOK {
					t.Fatalf("server exit %d: %s", code, errs.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("server did not exit after the first recording (--once)")
			}
			for _, want := range []string{" open ", " resumed ", " audio ", " closed ", " recording ", "recording " + rep.ConversationID} {
				if !strings.Contains(out.String(), want) {
					t.Fatalf("server output lacks %q:\n%s", want, out.String())
				}
			}
			wavs, _ := filepath.Glob(filepath.Join(dir, "*", rep.ConversationID+"_*.wav"))
			if len(wavs) != 1 {
				t.Fatalf("recordings %v", wavs)
			}
			code, stdout, _ = runCLI("analyze", wavs[0], "--expect", "0:440", "--expect", "1:1000",
				"--duration", rep.AudioSent.String(), "--tolerance", "0.1")
			if code != exitOK {
				t.Fatalf("analyze exit %d:\n%s", code, stdout)
			}
		})
	}
}

func TestAudioHookCommandErrors(t *testing.T) {
	url := startTestIngest(t)
	tests := map[string]struct {
		args []string
		code int
	}{
		"server without credentials":   {[]string{"audiohook-server", "--listen", "127.0.0.1:0"}, exitUsage},
		"server with both credentials": {[]string{"audiohook-server", "--credentials", "x.yaml", "--api-key", "k"}, exitUsage},
		"server bad secret":            {[]string{"audiohook-server", "--api-key", "k", "--client-secret", "no base64!"}, exitUsage},
		"server missing credentials":   {[]string{"audiohook-server", "--credentials", "/nonexistent.yaml"}, exitRuntime},
		"server bad listen":            {[]string{"audiohook-server", "--api-key", "k", "--listen", "nowhere"}, exitRuntime},
		"client without url":           {[]string{"audiohook-client", "--api-key", "k"}, exitUsage},
		"client bad tones":             {[]string{"audiohook-client", "--url", url, "--api-key", "k", "--tones", "440"}, exitUsage},
		"client missing wav":           {[]string{"audiohook-client", "--url", url, "--api-key", "k", "--wav", "/nonexistent.wav"}, exitRuntime},
		"client bad url":               {[]string{"audiohook-client", "--url", "http://x", "--api-key", "k"}, exitUsage},
		"client wrong secret":          {[]string{"audiohook-client", "--url", url, "--api-key", hookKey, "--client-secret", "d3Jvbmc="}, exitRuntime},
		"help audiohook-client":        {[]string{"help", "audiohook-client"}, exitOK},
		"help audiohook-server":        {[]string{"help", "audiohook-server"}, exitOK},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
		})
	}
}

// startTestIngest runs an ingest accepting hookKey on loopback.
func startTestIngest(t *testing.T) string {
	t.Helper()
	out, errs := newWatchBuffer(), newWatchBuffer()
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"audiohook-server", "--listen", "127.0.0.1:0", "--dir", t.TempDir(), "--once",
			"--api-key", hookKey, "--client-secret", hookSecret}, out, errs)
	}()
	url := out.await(t, regexp.MustCompile(`listening on (ws://\S+)`))[1]
	t.Cleanup(func() {
		// --once: one clean session ends the server.
		if code, stdout, stderr := runCLI("audiohook-client", "--url", url, "--api-key", hookKey,
			"--client-secret", hookSecret, "--duration", "200ms", "--no-pace"); code != exitOK {
			t.Errorf("closing client exit %d: %s %s", code, stdout, stderr)
		}
		<-done
	})
	return url
}
