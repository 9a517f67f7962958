package relay

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// wavFile is a parsed WAV file.
type wavFile struct {
	channels, rate, bits int
	riffSize, dataSize   uint32
	data                 []byte
}

// parseWAV checks every header field the recording contract fixes and that
// the sizes agree with each other and with the file.
func parseWAV(t *testing.T, b []byte) wavFile {
	t.Helper()
	if len(b) < wavHeaderSize {
		t.Fatalf("file of %d bytes has no WAV header", len(b))
	}
	le := binary.LittleEndian
	w := wavFile{
		channels: int(le.Uint16(b[22:])),
		rate:     int(le.Uint32(b[24:])),
		bits:     int(le.Uint16(b[34:])),
		riffSize: le.Uint32(b[4:]),
		dataSize: le.Uint32(b[40:]),
	}
	switch {
	case string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[12:16]) != "fmt " || string(b[36:40]) != "data":
		t.Fatalf("bad chunk ids % x", b[:44])
	case le.Uint32(b[16:]) != 16 || le.Uint16(b[20:]) != 1:
		t.Fatal("fmt chunk is not 16-byte PCM")
	case w.channels != 2 || w.rate != 8000 || w.bits != 16:
		t.Fatalf("format %d ch %d Hz %d bit", w.channels, w.rate, w.bits)
	case le.Uint32(b[28:]) != 8000*4 || le.Uint16(b[32:]) != 4:
		t.Fatal("byte rate or block align wrong")
	case w.riffSize != 36+w.dataSize:
		t.Fatalf("riff size %d for data size %d", w.riffSize, w.dataSize)
	case int(w.dataSize) > len(b)-wavHeaderSize:
		t.Fatalf("data size %d beyond the file's %d bytes", w.dataSize, len(b)-wavHeaderSize)
	}
	w.data = b[wavHeaderSize : wavHeaderSize+int(w.dataSize)]
	return w
}

// sample returns sample i of channel ch.
func (w wavFile) sample(i, ch int) int16 {
	return int16(binary.LittleEndian.Uint16(w.data[(i*2+ch)*2:]))
}

func (w wavFile) frames() int { return len(w.data) / 4 }

func readWAV(t *testing.T, path string) wavFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseWAV(t, b)
}

func readManifest(t *testing.T, path string) Manifest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest %s: %v", path, err)
	}
	return m
}

func jsonPath(r *LocalRecording) string { return strings.TrimSuffix(r.Path(), ".wav") + ".json" }

// Test signal: external = 1000 + n%100, internal = -(2000 + n%100), where
// n counts stereo frames from the start, so a test can tell the channels
// apart and find any sample's position.
func extAt(n int) int16 { return int16(1000 + n%100) }
func intAt(n int) int16 { return int16(-(2000 + n%100)) }

// frameGen makes consecutive 20 ms frames of the test signal.
type frameGen struct {
	f Frame
	n int // stereo frames produced so far
}

func newFrameGen() *frameGen {
	return &frameGen{f: Frame{Samples: make([]int16, 2*160)}}
}

func (g *frameGen) next() *Frame {
	for i := 0; i < 160; i++ {
		g.f.Samples[2*i] = extAt(g.n + i)
		g.f.Samples[2*i+1] = intAt(g.n + i)
	}
	g.f.Seq++
	g.f.Start = time.Duration(g.n) * time.Second / 8000
	g.n += 160
	return &g.f
}

// skip advances the generator by k frames without producing them (a gap).
func (g *frameGen) skip(k int) {
	g.f.Seq += uint64(k)
	g.n += 160 * k
}

func writeFrames(t testing.TB, r Recording, g *frameGen, n int) {
	t.Helper()
	for range n {
		if err := r.WriteFrame(g.next()); err != nil {
			t.Fatal(err)
		}
	}
}

// testStore is a store in a temp dir on a fixed clock with its own registry.
type testStore struct {
	*LocalStore
	dir string
	reg *prometheus.Registry
}

var testNow = time.Date(2026, 3, 2, 23, 59, 58, 0, time.UTC)

func newTestStore(t testing.TB, opts ...LocalOption) *testStore {
	t.Helper()
	dir := t.TempDir()
	reg := prometheus.NewPedanticRegistry()
	var mu sync.Mutex
	now := testNow
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond) // strictly increasing, deterministic
		return now
	}
	s := NewLocal(dir, nil, NewMetrics(reg), append([]LocalOption{WithClock(clock)}, opts...)...)
	t.Cleanup(func() { _ = s.Close() })
	return &testStore{LocalStore: s, dir: dir, reg: reg}
}

func (ts *testStore) open(t testing.TB, id string) *LocalRecording {
	t.Helper()
	r, err := ts.Open(t.Context(), RecordingMeta{
		SessionID:    id,
		Keys:         callkey.NewSet(callkey.Key{Kind: callkey.KindUCID, Value: "004762C169FA480C"}),
		Participants: []Participant{{ID: "p1", AOR: "sip:+15551234567@sbc", Role: "external"}, {ID: "p2", AOR: "sip:4000@pbx", Role: "internal"}},
		Direction:    "inbound",
		AgentID:      "agent-1",
		OfferedAt:    testNow.Add(-3 * time.Second),
		ActivatedAt:  testNow.Add(-time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// metric returns a counter or gauge value by name and optional label pair.
func (ts *testStore) metric(t *testing.T, name string, label ...string) float64 {
	t.Helper()
	mfs, err := ts.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if len(label) == 2 {
				match := false
				for _, lp := range m.GetLabel() {
					match = match || (lp.GetName() == label[0] && lp.GetValue() == label[1])
				}
				if !match {
					continue
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}
