package ahlab_test

import (
	"bytes"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
)

const testAppliance = "lab-edge-01"

// cloudEnv is a relay cloud store streaming to an ingest.
type cloudEnv struct {
	in    *ahlab.Ingest
	store *relay.CloudStore
	reg   *prometheus.Registry
	logs  *syncBuffer
}

func newCloudEnv(t *testing.T, ingest func(*ahlab.IngestConfig), cloud func(*relay.CloudConfig)) *cloudEnv {
	t.Helper()
	in, url := startIngest(t, ingest)
	cfg := relay.CloudConfig{
		URL: url, APIKey: testKey, Secret: secret(t), ApplianceID: testAppliance,
		PingInterval: 500 * time.Millisecond, CloseTimeout: 10 * time.Second,
		BackoffMin: 100 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
	}
	if cloud != nil {
		cloud(&cfg)
	}
	e := &cloudEnv{in: in, reg: prometheus.NewPedanticRegistry(), logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	if e.store, err = relay.NewCloud(cfg, log, relay.NewCloudMetrics(e.reg)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.store.Close()
		if t.Failed() {
			t.Logf("relay log:\n%s", e.logs.String())
		}
	})
	return e
}

func (e *cloudEnv) open(t *testing.T, id string) (*relay.CloudRecording, string) {
	t.Helper()
	meta := relay.RecordingMeta{
		SessionID: id,
		Participants: []relay.Participant{
			{ID: "p1", AOR: "sip:+15551234567@sbc.example", Role: "external"},
			{ID: "p2", AOR: "sip:4000@pbx.example", Role: "internal"},
		},
		Direction: "inbound",
	}
	r, err := e.store.OpenCloud(t.Context(), meta)
	if err != nil {
		t.Fatal(err)
	}
	return r, relay.ConversationID(testAppliance, meta)
}

// metric returns a counter or gauge by name and optional label pair.
func (e *cloudEnv) metric(t *testing.T, name string, label ...string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		var sum float64
		for _, m := range mf.GetMetric() {
			match := len(label) < 2
			for _, lp := range m.GetLabel() {
				match = match || (lp.GetName() == label[0] && lp.GetValue() == label[1])
			}
			if !match {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
		return sum
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// checkStream compares a recording's WAV with what g wrote, sample by
// sample, skipping the recording's gaps, and returns the samples per
// channel in the file. Every sample written must be either in the file at
// its place or inside a gap: nothing lost silently, nothing duplicated.
func checkStream(t *testing.T, rec ahlab.Recording, g *toneGen) int {
	t.Helper()
	w, err := tone.ReadWAVFile(rec.WAV)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Channels) != 2 || w.SampleRate != 8000 {
		t.Fatalf("WAV %d channels at %d Hz", len(w.Channels), w.SampleRate)
	}
	n := len(w.Channels[0])
	gapped := 0
	for _, gp := range rec.Gaps {
		gapped += int(math.Round(gp.Seconds * 8000))
	}
	if n+gapped != g.n {
		t.Fatalf("WAV holds %d samples per channel and the gaps %d: %d written", n, gapped, g.n)
	}
	pos, gi, bad := 0, 0, 0
	for i := range n {
		for gi < len(rec.Gaps) && int(math.Round(rec.Gaps[gi].AtSeconds*8000)) == pos {
			pos += int(math.Round(rec.Gaps[gi].Seconds * 8000))
			gi++
		}
		for ch := range 2 {
			if got, want := w.Channels[ch][i], g.expected(pos, ch); got != want {
				if bad++; bad <= 3 {
					t.Errorf("WAV sample %d (stream %d) channel %d = %d, want %d", i, pos, ch, got, want)
				}
			}
		}
		pos++
	}
	if bad > 0 {
		t.Fatalf("%d samples differ from what was written", bad)
	}
	return n
}

// syncBuffer is a log buffer shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
