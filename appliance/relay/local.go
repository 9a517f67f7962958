package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Defaults for a LocalStore.
const (
	// DefaultQueue is how many ~1 s buffers per recording may wait for the
	// disk before audio is dropped: it bounds memory per recording to
	// (DefaultQueue+2) × 32 KB.
	DefaultQueue = 4
	// maxCollisions bounds the name-2, name-3, ... attempts when a file for
	// the same session id already exists (a restart reusing an id).
	maxCollisions = 100
)

// LocalStore writes recordings under one directory as
// <dir>/<YYYY-MM-DD>/<session-id>.wav and .json (DESIGN §3). The date is
// the UTC day the recording opened, so a call over midnight stays in one
// place and DST never makes two days of the same name.
type LocalStore struct {
	dir   string
	log   *slog.Logger
	m     *Metrics
	now   func() time.Time
	queue int
	sync  bool

	// Test hooks, set before Open: beforeWrite runs on the writer goroutine
	// before each buffer is written, afterFlush after each header patch.
	beforeWrite func()
	afterFlush  func(dataBytes uint64)

	// mu guards open and closed.
	mu     sync.Mutex
	open   map[*LocalRecording]struct{}
	closed bool
}

// LocalOption configures a LocalStore.
type LocalOption func(*LocalStore)

// WithClock sets the time source for file dates and manifest times.
func WithClock(now func() time.Time) LocalOption {
	return func(s *LocalStore) { s.now = now }
}

// WithQueue sets how many ~1 s buffers per recording may wait for the disk
// (at least 1). More survives a slower disk at the cost of memory.
func WithQueue(buffers int) LocalOption {
	return func(s *LocalStore) { s.queue = max(buffers, 1) }
}

// WithSync makes the writer fsync after every flush, so that a power loss
// (not only a process crash) loses at most the last second. It costs one
// fsync per second per call, so it is off by default; without it a process
// crash still loses at most the last second, since written data is in the
// page cache.
func WithSync(on bool) LocalOption {
	return func(s *LocalStore) { s.sync = on }
}

// NewLocal returns a store writing under dir. It does no I/O: Open creates
// the directories (0750). A nil log discards; nil metrics are created
// unregistered.
func NewLocal(dir string, log *slog.Logger, m *Metrics, opts ...LocalOption) *LocalStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	s := &LocalStore{
		dir:   dir,
		log:   log.With("component", "relay.local"),
		m:     m,
		now:   time.Now,
		queue: DefaultQueue,
		open:  make(map[*LocalRecording]struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Open creates the session's WAV (a valid empty file) and its JSON with
// status "recording", and starts the recording's writer. The session id is
// sanitised for the file name (see the manifest's session_id for the
// original). Open does I/O; ctx bounds only the wait before it starts.
func (s *LocalStore) Open(ctx context.Context, meta RecordingMeta) (*LocalRecording, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("relay.Open: %w", err)
	}
	name, err := fileName(meta.SessionID)
	if err != nil {
		return nil, fmt.Errorf("relay.Open: %w", err)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("relay.Open: %w", ErrClosed)
	}

	now := s.now()
	dir := filepath.Join(s.dir, now.UTC().Format(time.DateOnly))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		s.m.errors.WithLabelValues("mkdir").Inc()
		return nil, fmt.Errorf("relay.Open: %w", err)
	}
	f, base, err := createExclusive(dir, name)
	if err != nil {
		s.m.errors.WithLabelValues("create").Inc()
		return nil, fmt.Errorf("relay.Open: %w", err)
	}
	var hdr [wavHeaderSize]byte
	marshalWAVHeader(hdr[:], 0)
	if _, err := f.WriteAt(hdr[:], 0); err != nil {
		s.m.errors.WithLabelValues("header").Inc()
		discard(f)
		return nil, fmt.Errorf("relay.Open: %w", err)
	}

	r := newLocalRecording(s, f, base, meta, now)
	m := r.manifest(StatusRecording)
	if err := writeJSONAtomic(r.jsonPath, &m); err != nil {
		s.m.errors.WithLabelValues("json").Inc()
		discard(f)
		return nil, fmt.Errorf("relay.Open: %w", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		discard(f)
		_ = os.Remove(r.jsonPath)
		return nil, fmt.Errorf("relay.Open: %w", ErrClosed)
	}
	s.open[r] = struct{}{}
	s.mu.Unlock()

	s.m.open.Inc()
	s.m.opened.Inc()
	go r.routineWrite()
	s.log.Info("recording opened", "session", meta.SessionID, "file", r.wavPath)
	return r, nil
}

// Close closes every recording still open with reason "shutdown" and makes
// further Opens fail. It is idempotent.
func (s *LocalStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	recs := make([]*LocalRecording, 0, len(s.open))
	for r := range s.open {
		recs = append(recs, r)
	}
	s.mu.Unlock()
	var errs []error
	for _, r := range recs {
		if err := r.Close(FinalMeta{EndedAt: s.now(), Reason: "shutdown"}); err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *LocalStore) forget(r *LocalRecording) {
	s.mu.Lock()
	delete(s.open, r)
	s.mu.Unlock()
	s.m.open.Dec()
}

// createExclusive creates dir/name.wav, or name-2.wav and so on when it
// exists: an existing recording is never overwritten.
func createExclusive(dir, name string) (*os.File, string, error) {
	base := name
	for i := 2; ; i++ {
		f, err := os.OpenFile(filepath.Join(dir, base+".wav"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
		if err == nil {
			return f, filepath.Join(dir, base), nil
		}
		if !errors.Is(err, os.ErrExist) || i > maxCollisions {
			return nil, "", err
		}
		base = fmt.Sprintf("%s-%d", name, i)
	}
}

// discard closes and removes a WAV that Open could not complete.
func discard(f *os.File) {
	_ = f.Close()
	_ = os.Remove(f.Name())
}
