package ahlab_test

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
)

const (
	testKey    = "lab-relay-key"
	testSecret = "bGFiIHJlbGF5IHNlY3JldCwgdGhpcnR5LXR3byBieXRlcyE="
	testWait   = 20 * time.Second // guard on every condition a test awaits
)

func secret(t testing.TB) []byte {
	t.Helper()
	s, err := audiohook.DecodeSecret(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startIngest runs an ingest on 127.0.0.1 and returns it with its URL.
func startIngest(t *testing.T, mutate func(*ahlab.IngestConfig)) (*ahlab.Ingest, string) {
	t.Helper()
	cfg := ahlab.IngestConfig{
		Dir:                   t.TempDir(),
		Credentials:           audiohook.StaticCredentials{testKey: secret(t)},
		SignatureFailureDelay: -1,
		Linger:                5 * time.Second,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	in, err := ahlab.NewIngest(cfg)
	if err != nil {
		t.Fatal(err)
	}
	url, err := in.Start("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := in.Close(); err != nil {
			t.Logf("ingest close: %v", err)
		}
	})
	return in, url
}

// checkGoroutines fails the test if goroutines outlive it (senders,
// session loops, timers), once every later cleanup has run.
func checkGoroutines(t *testing.T) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		deadline := time.Now().Add(testWait)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines leaked:\n%s", runtime.NumGoroutine()-base, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(10 * time.Millisecond) // polling the count: there is nothing to wait on
		}
	})
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}

// toneGen makes consecutive 20 ms stereo frames of the lab's tones and
// remembers every sample it produced, so a test can compare a recording
// with exactly what was written.
type toneGen struct {
	f        relay.Frame
	n        int // stereo frames produced so far
	ext, int tone.Tone
	buf      []int16
}

func newToneGen() *toneGen {
	return &toneGen{f: relay.Frame{Samples: make([]int16, 2*160)}, ext: tone.Tone{Freq: ahlab.CustomerHz}, int: tone.Tone{Freq: ahlab.AgentHz}, buf: make([]int16, 160)}
}

func (g *toneGen) next() *relay.Frame {
	for ch, tn := range []tone.Tone{g.ext, g.int} {
		tn.Fill(g.buf, 8000, g.n)
		for i, v := range g.buf {
			g.f.Samples[2*i+ch] = v
		}
	}
	g.f.Seq++
	g.f.Start = time.Duration(g.n) * time.Second / 8000
	g.n += 160
	return &g.f
}

// expected returns the wire value (PCMU round trip) of sample i of channel
// ch of the stream g produces.
func (g *toneGen) expected(i, ch int) int16 {
	var one [1]int16
	tn := g.ext
	if ch == 1 {
		tn = g.int
	}
	tn.Fill(one[:], 8000, i)
	return audiohook.DecodeULaw(audiohook.EncodeULaw(one[0]))
}

// pacer writes frames at real time (20 ms each) until stop returns true,
// calling at(i) before frame i.
func pace(t *testing.T, frames int, at func(i int), write func() error) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := range frames {
		if at != nil {
			at(i)
		}
		if err := write(); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		<-tick.C
	}
}
