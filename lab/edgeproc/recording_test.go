package edgeproc

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/relay"
)

func writeManifest(t *testing.T, dir, date, file string, m relay.Manifest) string {
	t.Helper()
	d := filepath.Join(dir, date)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(d, file)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindRecording(t *testing.T) {
	dir := t.TempDir()
	writeManifest(t, dir, "2026-11-24", "a1.json", relay.Manifest{SessionID: "a1", Status: "complete", File: "a1.wav"})
	writeManifest(t, dir, "2026-11-25", "b2.json", relay.Manifest{SessionID: "b2", Status: "recording"})
	// An id with a slash is sanitised into another file name.
	writeManifest(t, dir, "2026-11-25", "c_3-0a1b2c.json", relay.Manifest{SessionID: "c/3", Status: "complete", File: "c_3-0a1b2c.wav"})
	writeManifest(t, dir, "2026-11-25", "junk.json", relay.Manifest{})
	if err := os.WriteFile(filepath.Join(dir, "2026-11-25", "broken.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		id       string
		wav      string
		complete bool
		err      error
	}{
		"complete":       {id: "a1", wav: filepath.Join(dir, "2026-11-24", "a1.wav"), complete: true},
		"still open":     {id: "b2", wav: filepath.Join(dir, "2026-11-25", "b2.wav")},
		"sanitised name": {id: "c/3", wav: filepath.Join(dir, "2026-11-25", "c_3-0a1b2c.wav"), complete: true},
		"unknown":        {id: "zz", err: ErrNoRecording},
		"empty":          {id: "", err: ErrNoRecording},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := FindRecording(dir, tt.id)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.WAV != tt.wav || r.Complete() != tt.complete || r.Manifest.SessionID != tt.id {
				t.Fatalf("got %+v", r)
			}
		})
	}
	all, err := Recordings(dir)
	if err != nil || len(all) != 3 {
		t.Fatalf("Recordings: %d, %v", len(all), err)
	}
}

func TestWaitRecording(t *testing.T) {
	dir := t.TempDir()
	e := &Edge{cfg: Config{RecordingDir: dir}}
	writeManifest(t, dir, "2026-11-25", "s1.json", relay.Manifest{SessionID: "s1", Status: "recording"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := e.WaitRecording(ctx, "s1"); err == nil {
		t.Fatal("an open recording must not be returned as complete")
	}
	done := make(chan Recording, 1)
	go func() {
		r, err := e.WaitRecording(context.Background(), "s1")
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	writeManifest(t, dir, "2026-11-25", "s1.json", relay.Manifest{SessionID: "s1", Status: "complete", DurationSeconds: 2})
	if r := <-done; r.Manifest.DurationSeconds != 2 {
		t.Fatalf("got %+v", r)
	}
}
