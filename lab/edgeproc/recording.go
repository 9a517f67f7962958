package edgeproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/relay"
)

// Recording is one local recording: the WAV, its JSON manifest and the
// manifest's content.
type Recording struct {
	WAV, JSON string
	Manifest  relay.Manifest
}

// Complete reports whether the appliance closed the recording.
func (r Recording) Complete() bool { return r.Manifest.Status == relay.StatusComplete }

// Recording returns the recording of a session as it is now, or
// ErrNoRecording when none was opened (yet).
func (e *Edge) Recording(sessionID string) (Recording, error) {
	return FindRecording(e.cfg.RecordingDir, sessionID)
}

// WaitRecording polls until the session's recording is complete (its
// manifest's status is "complete") and returns it.
func (e *Edge) WaitRecording(ctx context.Context, sessionID string) (Recording, error) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		r, err := e.Recording(sessionID)
		if err == nil && r.Complete() {
			return r, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("status %q", r.Manifest.Status)
			}
			return r, fmt.Errorf("edgeproc: recording %s not complete: %w (%w)", sessionID, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// FindRecording looks in a recording dir (<dir>/<YYYY-MM-DD>/<id>.json)
// for the session's manifest. Session ids the appliance had to sanitise
// for a file name are found by reading the manifests' session_id.
func FindRecording(dir, sessionID string) (Recording, error) {
	if sessionID == "" {
		return Recording{}, fmt.Errorf("%w: empty session id", ErrNoRecording)
	}
	if safeName(sessionID) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", sessionID+".json"))
		for _, p := range paths {
			r, err := readRecording(p)
			if err == nil && r.Manifest.SessionID == sessionID {
				return r, nil
			}
		}
	}
	all, err := Recordings(dir)
	if err != nil {
		return Recording{}, err
	}
	for _, r := range all {
		if r.Manifest.SessionID == sessionID {
			return r, nil
		}
	}
	return Recording{}, fmt.Errorf("%w: session %s in %s", ErrNoRecording, sessionID, dir)
}

// Recordings reads every manifest in a recording dir. Files that are not
// manifests, or are being replaced, are skipped.
func Recordings(dir string) ([]Recording, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRecording, err)
	}
	out := make([]Recording, 0, len(paths))
	for _, p := range paths {
		if r, err := readRecording(p); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// ReadRecording reads the manifest at path (a recording's .json).
func ReadRecording(path string) (Recording, error) { return readRecording(path) }

func readRecording(path string) (Recording, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Recording{}, fmt.Errorf("%w: %s", ErrNoRecording, path)
		}
		return Recording{}, fmt.Errorf("edgeproc: %w", err)
	}
	var m relay.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Recording{}, fmt.Errorf("edgeproc: %s: %w", path, err)
	}
	if m.SessionID == "" {
		return Recording{}, fmt.Errorf("edgeproc: %s: not a recording manifest", path)
	}
	wav := m.File
	if wav == "" {
		wav = strings.TrimSuffix(filepath.Base(path), ".json") + ".wav"
	}
	if !filepath.IsAbs(wav) {
		wav = filepath.Join(filepath.Dir(path), wav)
	}
	return Recording{WAV: wav, JSON: path, Manifest: m}, nil
}

// safeName reports whether id is used as the file name unchanged.
func safeName(id string) bool {
	if id == "" || id[0] == '.' || len(id) > 96 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
