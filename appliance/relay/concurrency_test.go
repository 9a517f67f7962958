package relay

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentRecordings(t *testing.T) {
	const (
		recordings = 8
		seconds    = 3
	)
	ts := newTestStore(t)
	var wg sync.WaitGroup
	paths := make([]string, recordings)
	for i := range recordings {
		r := ts.open(t, fmt.Sprintf("call-%d", i))
		paths[i] = strings.TrimSuffix(r.Path(), ".wav")
		stop := make(chan struct{})
		// The SIP side toggles holds while the media worker writes.
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					r.Pause()
					r.Resume()
				}
			}
		})
		wg.Go(func() {
			defer close(stop)
			g := newFrameGen()
			writeFrames(t, r, g, seconds*50)
			if err := r.Close(FinalMeta{Reason: "bye"}); err != nil {
				t.Error(err)
			}
			// Calls after Close race with nothing and fail cleanly.
			if err := r.WriteFrame(g.next()); !errors.Is(err, ErrClosed) {
				t.Errorf("WriteFrame after Close = %v", err)
			}
		})
	}
	wg.Wait()
	for i, path := range paths {
		w := readWAV(t, path+".wav")
		m := readManifest(t, path+".json")
		// Every frame is either in the file or counted as paused.
		if uint64(w.frames()) != m.SamplesPerChannel || m.Frames+m.PausedFrames != seconds*50 || m.Status != StatusComplete {
			t.Errorf("call-%d: %d frames on disk, manifest %+v", i, w.frames(), m)
		}
	}
}

func TestWriteFrameDoesNotAllocate(t *testing.T) {
	ts := newTestStore(t)
	r := ts.open(t, "allocs")
	defer r.Close(FinalMeta{})
	g := newFrameGen()
	writeFrames(t, r, g, 500) // warm up: the buffers exist
	if n := testing.AllocsPerRun(1000, func() { _ = r.WriteFrame(g.next()) }); n != 0 {
		t.Fatalf("WriteFrame allocates %v times per frame", n)
	}
}

// fakeRecording records the calls Multi makes.
type fakeRecording struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (f *fakeRecording) log(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}
func (f *fakeRecording) WriteFrame(*Frame) error { f.log("frame"); return f.err }
func (f *fakeRecording) Pause()                  { f.log("pause") }
func (f *fakeRecording) Resume()                 { f.log("resume") }
func (f *fakeRecording) Close(FinalMeta) error   { f.log("close"); return f.err }

func TestMulti(t *testing.T) {
	ts := newTestStore(t)
	local := ts.open(t, "multi")
	failing := &fakeRecording{err: errors.New("cloud down")}
	ok := &fakeRecording{}
	m := Multi(local, nil, failing, ok)
	g := newFrameGen()
	for range 50 {
		if err := m.WriteFrame(g.next()); err == nil || !strings.Contains(err.Error(), "cloud down") {
			t.Fatalf("WriteFrame = %v, want the failing sink's error", err)
		}
	}
	m.Pause()
	m.Resume()
	if err := m.Close(FinalMeta{}); err == nil {
		t.Fatal("Close hid the failing sink's error")
	}
	// The failing sink stopped nobody: the local file has every frame.
	if w := readWAV(t, local.Path()); w.frames() != 50*160 {
		t.Fatalf("local recording has %d frames", w.frames())
	}
	if got := strings.Join(ok.calls, ","); got != strings.Repeat("frame,", 50)+"pause,resume,close" {
		t.Fatalf("calls %s", got)
	}
	if single := Multi(nil, ok); single != Recording(ok) {
		t.Fatal("Multi of one recording should be that recording")
	}
}
