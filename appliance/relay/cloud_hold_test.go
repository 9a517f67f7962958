package relay

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// holdBound is how soon after Pause or Resume the server must see paused
// or resumed. It is below cloudTick, so a boundary that waited for the
// sender's tick (or for the next frame) would miss it.
const holdBound = 500 * time.Millisecond

// serverEvent is what the test server saw, in order.
type serverEvent struct {
	kind     string // "audio", "paused", "resumed", ...
	position time.Duration
	samples  int // per channel, for audio
	at       time.Time
}

// recordingApp is an audiohook.Application that records every session
// message it receives and lets a test wait for a condition on them.
type recordingApp struct {
	mu      sync.Mutex
	events  []serverEvent
	changed chan struct{} // cap 1: signalled on every new event
}

func newRecordingApp() *recordingApp {
	return &recordingApp{changed: make(chan struct{}, 1)}
}

func (a *recordingApp) add(e serverEvent) {
	e.at = time.Now()
	a.mu.Lock()
	a.events = append(a.events, e)
	a.mu.Unlock()
	signal(a.changed)
}

func (a *recordingApp) Open(context.Context, *audiohook.ServerSession, audiohook.OpenParams) (audiohook.OpenDecision, error) {
	a.add(serverEvent{kind: "open"})
	return audiohook.OpenDecision{}, nil
}

func (a *recordingApp) Audio(_ *audiohook.ServerSession, f *audiohook.Frame) {
	a.add(serverEvent{kind: "audio", position: f.Position, samples: len(f.Samples) / Channels})
}

func (a *recordingApp) Notify(_ *audiohook.ServerSession, n audiohook.Notice) {
	a.add(serverEvent{kind: string(n.Type), position: n.Position})
}

func (a *recordingApp) Closed(*audiohook.ServerSession, audiohook.Ending) {
	a.add(serverEvent{kind: "closed"})
}

// waitFor returns the events once cond holds for them, or fails after d.
func (a *recordingApp) waitFor(t *testing.T, d time.Duration, what string, cond func([]serverEvent) bool) []serverEvent {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		a.mu.Lock()
		evs := append([]serverEvent(nil), a.events...)
		a.mu.Unlock()
		if cond(evs) {
			return evs
		}
		select {
		case <-a.changed:
		case <-timer.C:
			t.Fatalf("server did not see %s within %v; saw %v", what, d, kinds(evs))
			return nil
		}
	}
}

func kinds(evs []serverEvent) string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.kind
	}
	return strings.Join(out, ",")
}

// find returns the index of the first event of kind, or -1.
func find(evs []serverEvent, kind string) int {
	for i, e := range evs {
		if e.kind == kind {
			return i
		}
	}
	return -1
}

// startAudioHookServer runs a real AudioHook server for app and returns
// its ws:// URL and the decoded client secret.
func startAudioHookServer(t *testing.T, app audiohook.Application) (string, []byte) {
	t.Helper()
	secret := []byte("relay test secret, thirty-two b!")
	v, err := audiohook.NewVerifier(audiohook.VerifierConfig{
		Credentials:     audiohook.StaticCredentials{"edge-key": secret},
		MinFailureDelay: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := audiohook.NewServer(audiohook.ServerConfig{Verifier: v, Application: app})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/audiohook", secret
}

// TestCloudHoldBoundaryImmediate: Pause reaches a real AudioHook server as
// paused at once, with no further audio to carry it, after the partial
// relay frame written before the hold; Resume reaches it as resumed the
// same way. Table cases vary how much audio precedes the hold.
func TestCloudHoldBoundaryImmediate(t *testing.T) {
	tests := map[string]struct {
		frames int // 20 ms frames written before Pause; the relay frame is 100 ms
	}{
		"partial frame before hold": {frames: 7},
		"whole frames before hold":  {frames: 10},
		"hold before any audio":     {frames: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			app := newRecordingApp()
			url, secret := startAudioHookServer(t, app)
			s, err := NewCloud(CloudConfig{
				URL: url, APIKey: "edge-key", Secret: secret, ApplianceID: "dc1-edge-01",
				Frame: 100 * time.Millisecond, CloseTimeout: 5 * time.Second,
			}, nil, NewCloudMetrics(prometheus.NewPedanticRegistry()))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			r, err := s.OpenCloud(t.Context(), RecordingMeta{SessionID: "hold-" + strings.ReplaceAll(name, " ", "-")})
			if err != nil {
				t.Fatal(err)
			}
			app.waitFor(t, 5*time.Second, "open", func(evs []serverEvent) bool { return find(evs, "open") >= 0 })

			g := newFrameGen()
			writeFrames(t, r, g, tc.frames)
			want := time.Duration(tc.frames) * 20 * time.Millisecond
			// Whole relay frames go out on their own; wait for them so the
			// bound below measures the hold boundary alone.
			whole := want / (100 * time.Millisecond) * (100 * time.Millisecond)
			app.waitFor(t, 5*time.Second, "the whole frames", func(evs []serverEvent) bool {
				return audioUpTo(evs) >= whole
			})

			paused := time.Now()
			r.Pause()
			evs := app.waitFor(t, holdBound, "paused", func(evs []serverEvent) bool { return find(evs, "paused") >= 0 })
			i := find(evs, "paused")
			if got := audioUpTo(evs[:i]); got != want {
				t.Errorf("audio before paused = %v, want %v (the partial frame goes first)", got, want)
			}
			if evs[i].position != want {
				t.Errorf("paused at position %v, want %v", evs[i].position, want)
			}
			t.Logf("paused seen %v after Pause", evs[i].at.Sub(paused))

			r.Resume()
			evs = app.waitFor(t, holdBound, "resumed", func(evs []serverEvent) bool { return find(evs, "resumed") > i })
			if j := find(evs, "resumed"); audioUpTo(evs[i:j]) != 0 {
				t.Errorf("audio between paused and resumed: %v", kinds(evs[i:j]))
			}

			if err := r.Close(FinalMeta{EndedAt: time.Now(), Reason: "bye"}); err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}

// audioUpTo is the audio the events carry: the end position of the last
// audio frame.
func audioUpTo(evs []serverEvent) time.Duration {
	var end time.Duration
	for _, e := range evs {
		if e.kind == "audio" {
			end = max(end, e.position+time.Duration(e.samples)*time.Second/SampleRate)
		}
	}
	return end
}
