package relay

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

func TestRecordingRoundTrip(t *testing.T) {
	ts := newTestStore(t)
	r := ts.open(t, "0f8fad5b-d9cb-469f-a165-70867728950e")
	if want := filepath.Join(ts.dir, "2026-03-02", "0f8fad5b-d9cb-469f-a165-70867728950e.wav"); r.Path() != want {
		t.Fatalf("path %s, want %s", r.Path(), want)
	}
	g := newFrameGen()
	writeFrames(t, r, g, 125) // 2.5 s: two full buffers and a partial one
	conv := callkey.Key{Kind: callkey.KindConversation, Value: "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"}
	final := FinalMeta{
		EndedAt: testNow.Add(time.Minute),
		Reason:  "bye",
		AgentID: "agent-2",
		Keys:    callkey.NewSet(callkey.Key{Kind: callkey.KindUCID, Value: "004762C169FA480C"}, conv),
		Streams: []StreamStats{
			{Label: "1", Channel: "external", Codec: "PCMU", Packets: 125, Lost: 1},
			{Label: "2", Channel: "internal", Codec: "PCMA", Packets: 124, Lost: 2, JitterMS: 3.5},
		},
	}
	if err := r.Close(final); err != nil {
		t.Fatal(err)
	}

	w := readWAV(t, r.Path())
	if w.frames() != 125*160 {
		t.Fatalf("%d sample frames, want %d", w.frames(), 125*160)
	}
	// Channel order: 0 = external, 1 = internal, every sample in place.
	for i := 0; i < w.frames(); i++ {
		if w.sample(i, 0) != extAt(i) || w.sample(i, 1) != intAt(i) {
			t.Fatalf("frame %d = (%d, %d), want (%d, %d)", i, w.sample(i, 0), w.sample(i, 1), extAt(i), intAt(i))
		}
	}

	m := readManifest(t, jsonPath(r))
	checks := map[string]bool{
		"status":       m.Status == StatusComplete,
		"session":      m.SessionID == "0f8fad5b-d9cb-469f-a165-70867728950e",
		"file":         m.File == "0f8fad5b-d9cb-469f-a165-70867728950e.wav",
		"format":       m.Format.SampleRate == 8000 && strings.Join(m.Format.Channels, ",") == "external,internal",
		"duration":     m.DurationSeconds == 2.5,
		"frames":       m.Frames == 125 && m.SamplesPerChannel == 20000 && m.DataBytes == 80000,
		"keys":         m.Keys.Len() == 2 && m.Keys.Has(conv),
		"agent":        m.AgentID == "agent-2" && m.Direction == "inbound",
		"participants": len(m.Participants) == 2 && m.Participants[0].Role == "external",
		"streams":      len(m.Streams) == 2 && m.Streams[1].JitterMS == 3.5,
		"reason":       m.EndReason == "bye",
		"times": m.Times.Offered.Equal(testNow.Add(-3*time.Second)) && m.Times.Activated.Equal(testNow.Add(-time.Second)) &&
			m.Times.Ended.Equal(final.EndedAt) && m.Times.Closed.After(m.Times.Opened),
		"no gaps or drops": len(m.Gaps) == 0 && m.Dropped.SamplesPerChannel == 0 && m.ErrorCount == 0,
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("manifest %s wrong: %+v", name, m)
		}
	}
	if err := r.Close(final); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
	if err := r.WriteFrame(g.next()); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteFrame after Close = %v", err)
	}
	if v := ts.metric(t, "cogito_edge_relay_local_bytes_written_total"); v != 80000 {
		t.Fatalf("bytes metric %v", v)
	}
	if v := ts.metric(t, "cogito_edge_relay_local_recordings"); v != 0 {
		t.Fatalf("open gauge %v after Close", v)
	}
}

func TestManifestAtStart(t *testing.T) {
	ts := newTestStore(t)
	r := ts.open(t, "s1")
	m := readManifest(t, jsonPath(r))
	if m.Status != StatusRecording || m.SessionID != "s1" || m.Keys.Len() != 1 || m.AgentID != "agent-1" ||
		m.Times.Opened.IsZero() || !m.Times.Ended.IsZero() || m.DataBytes != 0 {
		t.Fatalf("opening manifest %+v", m)
	}
	// A valid, empty WAV exists from the start.
	if w := readWAV(t, r.Path()); w.dataSize != 0 {
		t.Fatalf("data size %d", w.dataSize)
	}
	// The atomic write leaves no temporary file behind.
	entries, err := os.ReadDir(filepath.Dir(r.Path()))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("day dir holds %v", entries)
	}
	if err := r.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
}

func TestCrashKeepsFlushedAudio(t *testing.T) {
	ts := newTestStore(t)
	flushed := make(chan uint64, 8)
	ts.afterFlush = func(size uint64) { flushed <- size }
	r := ts.open(t, "crash")
	g := newFrameGen()
	writeFrames(t, r, g, 75) // 1.5 s: one buffer goes to disk, half a second stays in memory
	if size := <-flushed; size != chunkBytes {
		t.Fatalf("flushed %d bytes, want %d", size, chunkBytes)
	}
	// Read the file while the recording is open, as after a crash.
	b, err := os.ReadFile(r.Path())
	if err != nil {
		t.Fatal(err)
	}
	w := parseWAV(t, b)
	if w.dataSize != chunkBytes || len(b) != wavHeaderSize+chunkBytes {
		t.Fatalf("data size %d file %d bytes", w.dataSize, len(b))
	}
	for i := 0; i < w.frames(); i++ {
		if w.sample(i, 0) != extAt(i) || w.sample(i, 1) != intAt(i) {
			t.Fatalf("flushed frame %d wrong", i)
		}
	}
	if err := r.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
	// Close fixes the header up for the last partial buffer.
	if w := readWAV(t, r.Path()); w.frames() != 75*160 {
		t.Fatalf("after Close %d frames", w.frames())
	}
}

func TestPauseResume(t *testing.T) {
	ts := newTestStore(t)
	flushed := make(chan uint64, 8)
	ts.afterFlush = func(size uint64) { flushed <- size }
	r := ts.open(t, "hold")
	g := newFrameGen()
	writeFrames(t, r, g, 25) // 0.5 s
	r.Pause()
	// Pause hands the partial buffer over at once.
	if size := <-flushed; size != chunkBytes/2 {
		t.Fatalf("flushed %d at Pause", size)
	}
	r.Pause() // idempotent
	writeFrames(t, r, g, 10)
	r.Resume()
	r.Resume()
	writeFrames(t, r, g, 25)
	if err := r.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
	w := readWAV(t, r.Path())
	if w.frames() != 50*160 {
		t.Fatalf("%d frames, want 1 s without the hold", w.frames())
	}
	// The first sample after the hold is the one at 35 frames in.
	if w.sample(25*160, 0) != extAt(35*160) {
		t.Fatal("audio during the hold was recorded")
	}
	m := readManifest(t, jsonPath(r))
	if len(m.Holds) != 1 || m.Holds[0].AtSeconds != 0.5 || !m.Holds[0].End.After(m.Holds[0].Start) || m.PausedFrames != 10 {
		t.Fatalf("holds %+v paused %d", m.Holds, m.PausedFrames)
	}
	// A hold still open at Close ends at Close.
	r2 := ts.open(t, "hold2")
	r2.Pause()
	if err := r2.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
	if m := readManifest(t, jsonPath(r2)); len(m.Holds) != 1 || m.Holds[0].End.IsZero() {
		t.Fatalf("open hold not closed: %+v", m.Holds)
	}
}

func TestGapsAndConcealment(t *testing.T) {
	ts := newTestStore(t)
	r := ts.open(t, "gaps")
	g := newFrameGen()
	writeFrames(t, r, g, 10)
	g.skip(5) // 100 ms never delivered
	f := g.next()
	f.Missing = [2]int{40, 160}
	if err := r.WriteFrame(f); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, jsonPath(r))
	if len(m.Gaps) != 1 {
		t.Fatalf("gaps %+v", m.Gaps)
	}
	gap := m.Gaps[0]
	if gap.MissingFrames != 5 || gap.AtSeconds != 0.2 || gap.StartSeconds != 0.3 || gap.Seconds < 0.0999 || gap.Seconds > 0.1001 {
		t.Fatalf("gap %+v", gap)
	}
	if m.ConcealedSamples != [2]uint64{40, 160} {
		t.Fatalf("concealed %v", m.ConcealedSamples)
	}
}

func TestClockJumpIsAGap(t *testing.T) {
	// media keeps Seq gapless and skips Start over a stall.
	ts := newTestStore(t)
	r := ts.open(t, "stall")
	g := newFrameGen()
	writeFrames(t, r, g, 10)
	g.n += 8000 // one second of session clock with no frame
	writeFrames(t, r, g, 10)
	if err := r.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, jsonPath(r))
	if len(m.Gaps) != 1 || m.Gaps[0].MissingFrames != 0 || m.Gaps[0].Seconds != 1 || m.Gaps[0].AtSeconds != 0.2 {
		t.Fatalf("gaps %+v", m.Gaps)
	}
}

func TestSlowDiskBoundsMemory(t *testing.T) {
	const queue = 2
	ts := newTestStore(t, WithQueue(queue))
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	ts.beforeWrite = func() {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	}
	r := ts.open(t, "slow")
	g := newFrameGen()
	writeFrames(t, r, g, 50) // the first second reaches the writer and blocks it
	<-entered
	// 19 more seconds while the disk is stuck: WriteFrame must neither
	// block nor grow memory beyond queue+2 buffers.
	writeFrames(t, r, g, 19*50)
	r.mu.Lock()
	chunks := r.nchunks
	r.mu.Unlock()
	if chunks > queue+2 {
		t.Fatalf("%d buffers allocated, bound is %d", chunks, queue+2)
	}
	// Kept: the buffer being written and the queued ones.
	wantDropped := uint64(20-1-queue) * 8000
	if v := ts.metric(t, "cogito_edge_relay_local_dropped_samples_total", "reason", "queue_full"); v != float64(wantDropped) {
		t.Fatalf("dropped metric %v, want %d", v, wantDropped)
	}
	close(release)
	if err := r.Close(FinalMeta{}); err != nil {
		t.Fatal(err)
	}
	w := readWAV(t, r.Path())
	if w.frames() != (1+queue)*8000 {
		t.Fatalf("%d frames on disk, want %d", w.frames(), (1+queue)*8000)
	}
	m := readManifest(t, jsonPath(r))
	if m.Dropped.SamplesPerChannel != wantDropped || len(m.Dropped.Intervals) != 1 ||
		m.Dropped.Intervals[0].Reason != "queue_full" || m.Dropped.Intervals[0].AtSeconds != 1+queue {
		t.Fatalf("dropped %+v", m.Dropped)
	}
	if m.Frames != 20*50 {
		t.Fatalf("frames %d", m.Frames)
	}
}

func TestSanitizedNames(t *testing.T) {
	ts := newTestStore(t)
	tests := map[string]struct {
		id   string
		base string // expected file base name, or a prefix ending in "-" for hashed names
	}{
		"uuid unchanged":   {"0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e"},
		"call-id":          {"a84b4c76e66710@pc33.atlanta.com", "a84b4c76e66710_pc33.atlanta.com-"},
		"traversal":        {"../../etc/passwd", "_.._etc_passwd-"},
		"dot dot":          {"..", "session-"},
		"absolute":         {"/etc/cron.d/x", "_etc_cron.d_x-"},
		"hidden":           {".bashrc", "bashrc-"},
		"nul and newline":  {"a\x00b\nc", "a_b_c-"},
		"slash vs under 1": {"a/b", "a_b-"},
		"slash vs under 2": {"a_b", "a_b"},
		"long":             {strings.Repeat("x", 300), strings.Repeat("x", maxNameLen) + "-"},
	}
	seen := map[string]string{}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := ts.open(t, tt.id)
			defer r.Close(FinalMeta{})
			rel, err := filepath.Rel(ts.dir, r.Path())
			if err != nil || strings.HasPrefix(rel, "..") || filepath.Dir(rel) != "2026-03-02" {
				t.Fatalf("path %s escapes %s", r.Path(), ts.dir)
			}
			base := strings.TrimSuffix(filepath.Base(r.Path()), ".wav")
			if strings.HasSuffix(tt.base, "-") {
				if !strings.HasPrefix(base, tt.base) || len(base) != len(tt.base)+12 {
					t.Fatalf("base %q, want %q + hash", base, tt.base)
				}
			} else if base != tt.base {
				t.Fatalf("base %q, want %q", base, tt.base)
			}
			if other, dup := seen[base]; dup {
				t.Fatalf("%q and %q share a file name", tt.id, other)
			}
			seen[base] = tt.id
			if m := readManifest(t, jsonPath(r)); m.SessionID != tt.id {
				t.Fatalf("manifest keeps %q, want the original id", m.SessionID)
			}
		})
	}
	if _, err := ts.Open(t.Context(), RecordingMeta{}); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("Open with empty id = %v", err)
	}
}

func TestPermissionsAndCollision(t *testing.T) {
	ts := newTestStore(t)
	r1 := ts.open(t, "same")
	r2 := ts.open(t, "same")
	defer r1.Close(FinalMeta{})
	defer r2.Close(FinalMeta{})
	if filepath.Base(r2.Path()) != "same-2.wav" {
		t.Fatalf("second recording of one id at %s", r2.Path())
	}
	for path, want := range map[string]fs.FileMode{
		filepath.Dir(r1.Path()): 0o750,
		r1.Path():               0o640,
		jsonPath(r1):            0o640,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may only take permissions away.
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s mode %v, want at most %v", path, got, want)
		}
	}
}

func TestWriteErrorsDoNotReachTheCall(t *testing.T) {
	ts := newTestStore(t)
	r := ts.open(t, "broken")
	// Pull the file out from under the writer, like a failing disk.
	if err := r.f.Close(); err != nil {
		t.Fatal(err)
	}
	g := newFrameGen()
	for range 120 {
		if err := r.WriteFrame(g.next()); err != nil {
			t.Fatalf("WriteFrame returned the disk's error: %v", err)
		}
	}
	if err := r.Close(FinalMeta{Reason: "bye"}); err == nil {
		t.Fatal("Close on a broken file reported no error")
	}
	if r.Err() == nil {
		t.Fatal("Err() = nil")
	}
	m := readManifest(t, jsonPath(r))
	if m.Status != StatusComplete || m.ErrorCount == 0 || len(m.Errors) == 0 ||
		m.Dropped.SamplesPerChannel != 120*160 || m.Dropped.Intervals[0].Reason != "write_error" {
		t.Fatalf("manifest %+v", m)
	}
	if v := ts.metric(t, "cogito_edge_relay_local_errors_total", "op", "write"); v == 0 {
		t.Fatal("write errors not counted")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := NewLocal(file, nil, nil)
	if _, err := s.Open(t.Context(), RecordingMeta{SessionID: "x"}); err == nil {
		t.Fatal("Open under a regular file succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := NewLocal(dir, nil, nil).Open(ctx, RecordingMeta{SessionID: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a done ctx = %v", err)
	}
}

func TestWriteFrameRejectsMalformed(t *testing.T) {
	ts := newTestStore(t)
	r := ts.open(t, "bad")
	defer r.Close(FinalMeta{})
	for name, f := range map[string]*Frame{
		"empty": {Seq: 1},
		"odd":   {Seq: 1, Samples: make([]int16, 321)},
	} {
		if err := r.WriteFrame(f); !errors.Is(err, ErrFrameFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A frame larger than a buffer spans buffers.
	big := &Frame{Seq: 1, Samples: make([]int16, 3*chunkBytes/2+2)}
	if err := r.WriteFrame(big); err != nil {
		t.Fatal(err)
	}
}

func TestStoreClose(t *testing.T) {
	ts := newTestStore(t)
	r1 := ts.open(t, "a")
	r2 := ts.open(t, "b")
	writeFrames(t, r1, newFrameGen(), 10)
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ts.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	for _, r := range []*LocalRecording{r1, r2} {
		if m := readManifest(t, jsonPath(r)); m.Status != StatusComplete || m.EndReason != "shutdown" {
			t.Fatalf("%s: %+v", r.Path(), m)
		}
	}
	if _, err := ts.Open(t.Context(), RecordingMeta{SessionID: "c"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Open after Close = %v", err)
	}
}
