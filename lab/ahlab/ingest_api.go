package ahlab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// Sessions returns every session the ingest served, in open order.
func (in *Ingest) Sessions() []Session {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Session, 0, len(in.order))
	for _, s := range in.order {
		out = append(out, s.snapshotLocked())
	}
	return out
}

// Session returns one session's snapshot.
func (in *Ingest) Session(id string) (Session, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	s, ok := in.sessions[id]
	if !ok {
		return Session{}, false
	}
	return s.snapshotLocked(), true
}

// FirstAudio returns when a session's first audio arrived.
func (in *Ingest) FirstAudio(sessionID string) (time.Time, bool) {
	s, ok := in.Session(sessionID)
	return s.FirstAudio, ok && !s.FirstAudio.IsZero()
}

// Recordings returns every recording, in open order.
func (in *Ingest) Recordings() []Recording {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Recording, 0, len(in.recs))
	for _, r := range in.recs {
		out = append(out, r.snapshotLocked())
	}
	return out
}

// WaitSessions blocks until cond holds for the sessions (in open order) or
// ctx ends.
func (in *Ingest) WaitSessions(ctx context.Context, cond func([]Session) bool) error {
	return in.wait(ctx, func() bool {
		out := make([]Session, 0, len(in.order))
		for _, s := range in.order {
			out = append(out, s.snapshotLocked())
		}
		return cond(out)
	})
}

// WaitRecording waits until the recording that id names is complete and
// returns it. id is a conversation id (its first recording), a recording
// id, or the id of any of its sessions.
func (in *Ingest) WaitRecording(ctx context.Context, id string) (Recording, error) {
	var rec *ingestRec
	err := in.wait(ctx, func() bool {
		rec = in.findLocked(id)
		return rec != nil && rec.complete
	})
	if err != nil {
		return Recording{}, fmt.Errorf("ahlab: recording %s: %w", id, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return rec.snapshotLocked(), nil
}

func (in *Ingest) findLocked(id string) *ingestRec {
	if s := in.sessions[id]; s != nil {
		return s.rec
	}
	for _, r := range in.recs {
		if r.id == id || r.conversation == id {
			return r
		}
	}
	return nil
}

// liveSession returns a live session's protocol handle.
func (in *Ingest) liveSession(id string) (*audiohook.ServerSession, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	s, ok := in.sessions[id]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %s", ErrUnknownSession, id)
	case !s.info.Live:
		return nil, fmt.Errorf("%w: %s", ErrNotLive, id)
	}
	return s.ss, nil
}

// Pause asks a session's client to pause and waits for paused.
func (in *Ingest) Pause(ctx context.Context, sessionID string) error {
	s, err := in.liveSession(sessionID)
	if err != nil {
		return err
	}
	return s.Pause(ctx)
}

// Resume asks a session's client to resume and waits for its answer.
func (in *Ingest) Resume(ctx context.Context, sessionID string) error {
	s, err := in.liveSession(sessionID)
	if err != nil {
		return err
	}
	return s.Resume(ctx)
}

// Disconnect asks a session's client to close (reason completed ends the
// recording) and waits until it has.
func (in *Ingest) Disconnect(ctx context.Context, sessionID string, reason audiohook.DisconnectReason) error {
	s, err := in.liveSession(sessionID)
	if err != nil {
		return err
	}
	return s.Disconnect(ctx, reason, "ahlab")
}

// RequestReconnect asks a session's client to continue on a new connection.
func (in *Ingest) RequestReconnect(sessionID string) error {
	s, err := in.liveSession(sessionID)
	if err != nil {
		return err
	}
	return s.RequestReconnect("ahlab")
}

// Kill cuts a session's TCP connection without a word (fault injection):
// the client sees a dropped connection mid-call. It needs the ingest's
// ConnContext on the serving http.Server (Start sets it).
func (in *Ingest) Kill(sessionID string) error {
	in.mu.Lock()
	c := in.conns[sessionID]
	in.mu.Unlock()
	if c == nil {
		return fmt.Errorf("%w: no connection for %s", ErrNotLive, sessionID)
	}
	return c.Close()
}

// KillConversation cuts every live connection of a conversation and
// returns how many.
func (in *Ingest) KillConversation(conversationID string) int {
	in.mu.Lock()
	var ids []string
	for id, s := range in.sessions {
		if s.info.ConversationID == conversationID && in.conns[id] != nil {
			ids = append(ids, id)
		}
	}
	in.mu.Unlock()
	n := 0
	for _, id := range ids {
		if in.Kill(id) == nil {
			n++
		}
	}
	return n
}

// SetDown takes the ingest down (every live connection cut, upgrades
// answered 503) or brings it back: an outage of the cloud.
func (in *Ingest) SetDown(down bool) {
	in.mu.Lock()
	in.down = down
	var conns []interface{ Close() error }
	if down {
		for _, c := range in.conns {
			conns = append(conns, c)
		}
	}
	in.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	in.log.Info("ingest availability", "down", down, "cut", len(conns))
}

// serveStatus answers GET <path>/status: sessions and recordings as JSON.
func (in *Ingest) serveStatus(w http.ResponseWriter, _ *http.Request) {
	in.mu.Lock()
	down := in.down
	in.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(struct {
		Down       bool        `json:"down"`
		Sessions   []Session   `json:"sessions"`
		Recordings []Recording `json:"recordings"`
	}{down, in.Sessions(), in.Recordings()})
}
