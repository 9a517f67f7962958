package relay

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
)

// blackHole is a DialContext to a cloud that is gone: it never connects.
func blackHole(ctx context.Context, _, _ string) (net.Conn, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// testCloud is a cloud store whose cloud is unreachable, with a 1 s
// buffer and 500 ms pings: its ring holds 2.1 s (16800 samples).
type testCloud struct {
	*CloudStore
	reg *prometheus.Registry
}

func newTestCloud(t testing.TB, mutate func(*CloudConfig)) *testCloud {
	t.Helper()
	cfg := CloudConfig{
		URL: "ws://192.0.2.1:7001/audiohook", APIKey: "edge-key", ApplianceID: "dc1-edge-01",
		Buffer: time.Second, PingInterval: 500 * time.Millisecond, CloseTimeout: 300 * time.Millisecond,
		DialContext: blackHole,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	reg := prometheus.NewPedanticRegistry()
	s, err := NewCloud(cfg, nil, NewCloudMetrics(reg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &testCloud{CloudStore: s, reg: reg}
}

func (tc *testCloud) open(t testing.TB, id string) *CloudRecording {
	t.Helper()
	r, err := tc.OpenCloud(context.Background(), RecordingMeta{SessionID: id})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (tc *testCloud) gauge(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := tc.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetGauge().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestCloudWriteFrameNeverBlocks: with the cloud gone (the dial hangs),
// WriteFrame keeps returning at once; the ring keeps the newest 2.1 s and
// counts the rest as dropped, exactly.
func TestCloudWriteFrameNeverBlocks(t *testing.T) {
	tc := newTestCloud(t, nil)
	r := tc.open(t, "gone")
	g := newFrameGen()
	var worst time.Duration
	start := time.Now()
	for range 250 { // 5 s of audio, as fast as it goes
		t0 := time.Now()
		if err := r.WriteFrame(g.next()); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(t0))
	}
	if total := time.Since(start); total > 2*time.Second || worst > 250*time.Millisecond {
		t.Fatalf("5 s of frames took %v, the slowest %v: WriteFrame waited on something", total, worst)
	}
	rep := r.Report()
	if rep.Dropped.SamplesPerChannel != 40000-16800 || len(rep.Dropped.Intervals) != 1 ||
		rep.Dropped.Intervals[0] != (DropInterval{AtSeconds: 0, Seconds: 2.9, Reason: cloudDropOverflow}) || rep.BufferMaxSeconds != 2.1 {
		t.Fatalf("report %+v", rep)
	}
	if got := tc.gauge(t, "cogito_edge_relay_cloud_buffer_seconds"); got != 2.1 {
		t.Fatalf("buffer gauge %v", got)
	}
	if got := tc.gauge(t, "cogito_edge_relay_cloud_sessions"); got != 1 {
		t.Fatalf("sessions gauge %v", got)
	}
	t0 := time.Now()
	err := r.Close(FinalMeta{Reason: "bye"})
	if !errors.Is(err, ErrCloudUndelivered) || time.Since(t0) > 2*time.Second {
		t.Fatalf("Close = %v after %v, want ErrCloudUndelivered within the close timeout", err, time.Since(t0))
	}
	rep = r.Report()
	if rep.Status != CloudIncomplete || rep.EndReason != "close_timeout" || rep.Dropped.SamplesPerChannel != 40000 ||
		rep.Dropped.Intervals[1].Reason != cloudDropUndelivered || len(rep.Outages) != 1 || rep.Outages[0].End.IsZero() {
		t.Fatalf("final report %+v", rep)
	}
	if got := tc.gauge(t, "cogito_edge_relay_cloud_buffer_seconds"); got != 0 {
		t.Fatalf("buffer gauge %v after close", got)
	}
	if err := r.WriteFrame(g.next()); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteFrame after Close = %v", err)
	}
	if err := r.Close(FinalMeta{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
}

// TestCloudWriteFrameDoesNotAllocate: the media worker's path allocates
// nothing once the ring's blocks exist, even while it overflows.
func TestCloudWriteFrameDoesNotAllocate(t *testing.T) {
	tc := newTestCloud(t, nil)
	r := tc.open(t, "allocs")
	defer r.Close(FinalMeta{})
	g := newFrameGen()
	for range 200 { // 4 s: the ring is full and overflowing
		_ = r.WriteFrame(g.next())
	}
	if n := testing.AllocsPerRun(1000, func() { _ = r.WriteFrame(g.next()) }); n != 0 {
		t.Fatalf("WriteFrame allocates %v times per frame", n)
	}
	r.Pause()
	if n := testing.AllocsPerRun(100, func() { _ = r.WriteFrame(g.next()) }); n != 0 {
		t.Fatalf("WriteFrame on hold allocates %v times per frame", n)
	}
}

func BenchmarkCloudWriteFrame(b *testing.B) {
	tc := newTestCloud(b, nil)
	r := tc.open(b, "bench")
	defer r.Close(FinalMeta{})
	g := newFrameGen()
	for range 200 {
		_ = r.WriteFrame(g.next())
	}
	f := g.next()
	b.ReportAllocs()
	b.SetBytes(int64(len(f.Samples) * bytesPerSample))
	for b.Loop() {
		f.Seq++
		if err := r.WriteFrame(f); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCloudWriteFrameFormat(t *testing.T) {
	tc := newTestCloud(t, nil)
	r := tc.open(t, "format")
	defer r.Close(FinalMeta{})
	for _, s := range [][]int16{nil, {1}, {1, 2, 3}} {
		if err := r.WriteFrame(&Frame{Samples: s}); !errors.Is(err, ErrFrameFormat) {
			t.Errorf("%d samples: %v", len(s), err)
		}
	}
}

// TestCloudHoldMarks: holds are queued as marks at their stream position,
// bounded: a hold that let no audio through folds away at the bound.
func TestCloudHoldMarks(t *testing.T) {
	tc := newTestCloud(t, nil)
	r := tc.open(t, "marks")
	defer r.Close(FinalMeta{})
	g := newFrameGen()
	_ = r.WriteFrame(g.next())
	for range 3 * maxCloudMarks {
		r.Pause()
		r.Pause() // idempotent
		r.Resume()
	}
	_ = r.WriteFrame(g.next())
	r.Pause()
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.marks); n > maxCloudMarks || n < maxCloudMarks-1 {
		t.Fatalf("%d marks", n)
	}
	if last := r.marks[len(r.marks)-1]; last != (cloudMark{at: 320, pause: true}) || r.marks[0] != (cloudMark{at: 160, pause: true}) {
		t.Fatalf("marks %+v ... %+v", r.marks[0], last)
	}
	if r.rep.Holds != 3*maxCloudMarks+1 || !r.paused {
		t.Fatalf("holds %d, paused %v", r.rep.Holds, r.paused)
	}
}

func TestCloudConfig(t *testing.T) {
	good := CloudConfig{URL: "wss://10.99.0.1:7001/audiohook", APIKey: "k", ApplianceID: "dc1-edge-01"}
	tests := map[string]struct {
		mutate func(*CloudConfig)
		ok     bool
	}{
		"defaults":         {func(*CloudConfig) {}, true},
		"http url":         {func(c *CloudConfig) { c.URL = "http://cloud/audiohook" }, false},
		"no host":          {func(c *CloudConfig) { c.URL = "ws:///audiohook" }, false},
		"no api key":       {func(c *CloudConfig) { c.APIKey = "" }, false},
		"bad organization": {func(c *CloudConfig) { c.OrganizationID = "acme" }, false},
		"organization":     {func(c *CloudConfig) { c.OrganizationID = "d7934305-0972-4844-938e-9060eef73d05" }, true},
		"frame 30ms":       {func(c *CloudConfig) { c.Frame = 30 * time.Millisecond }, false},
		"frame 2s":         {func(c *CloudConfig) { c.Frame = 2 * time.Second }, false},
		"buffer < frame":   {func(c *CloudConfig) { c.Frame, c.Buffer = 200*time.Millisecond, 100*time.Millisecond }, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := good
			tt.mutate(&c)
			got, err := c.withDefaults()
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrCloudConfig)) {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if err == nil && (!audiohook.IsUUID(got.OrganizationID) || got.Frame == 0 || got.Buffer == 0 || got.PingInterval == 0) {
				t.Fatalf("defaults not applied: %+v", got)
			}
		})
	}
	a, _ := good.withDefaults()
	b, _ := good.withDefaults()
	if a.OrganizationID != b.OrganizationID || a.ringSamples() != samplesIn(30*time.Second+10*time.Second+100*time.Millisecond) {
		t.Fatalf("derived organization %s vs %s, ring %d", a.OrganizationID, b.OrganizationID, a.ringSamples())
	}
}

func TestReadCloudSecret(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/relay.secret"
	if err := os.WriteFile(path, []byte("  c2VjcmV0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadCloudSecret(path); err != nil || string(s) != "secret" {
		t.Fatalf("%q, %v", s, err)
	}
	if err := os.WriteFile(path, []byte("not base64!"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCloudSecret(path); !errors.Is(err, audiohook.ErrCredentials) {
		t.Fatalf("bad secret: %v", err)
	}
	if _, err := ReadCloudSecret(dir + "/missing"); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestOpenRequestFromMeta(t *testing.T) {
	conv := "0f3a8e10-4e4b-4e0c-9f11-2a7c9d1e5b6a"
	cti := "7d2c1b0a-1111-4222-8333-944455556666" // the Genesys conversation a CTI start named
	customer := Participant{AOR: "sip:+15551234567@sbc.example;user=phone", Name: "Pat Customer", Role: "external"}
	agent := Participant{AOR: "<sip:4000@pbx.example>", Name: "Alex Agent", Role: "internal"}
	tests := map[string]struct {
		meta                 RecordingMeta
		conv, ani, dnis, who string
	}{
		"inbound with conversation": {
			RecordingMeta{SessionID: "s1", Keys: callkey.NewSet(mustConv(t, conv)), Participants: []Participant{agent, customer}, Direction: "inbound"},
			conv, "+15551234567", "4000", "Pat Customer"},
		"CTI conversation id over the SIP key": {
			RecordingMeta{SessionID: "s1", ConversationID: strings.ToUpper(cti), Keys: callkey.NewSet(mustConv(t, conv)), Participants: []Participant{agent, customer}, Direction: "inbound"},
			cti, "+15551234567", "4000", "Pat Customer"},
		"CTI conversation id, no keys": {
			RecordingMeta{SessionID: "s1", ConversationID: cti},
			cti, "", "", ""},
		"invalid CTI conversation id falls back": {
			RecordingMeta{SessionID: "s1", ConversationID: "not-a-uuid"},
			"", "", "", ""},
		"outbound": {
			RecordingMeta{SessionID: "s1", Participants: []Participant{customer, agent}, Direction: "outbound"},
			"", "4000", "+15551234567", "Alex Agent"},
		"no direction, no participants": {RecordingMeta{SessionID: "s2"}, "", "", "", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			req := openRequest("dc1-edge-01", tt.meta)
			want := tt.conv
			if want == "" {
				want = derivedUUID("conversation", "dc1-edge-01\x00"+tt.meta.SessionID)
			}
			p := req.Participant
			if req.ConversationID != want || !audiohook.IsUUID(req.ConversationID) || !audiohook.IsUUID(p.ID) ||
				p.ANI != tt.ani || p.DNIS != tt.dnis || p.ANIName != tt.who || len(req.Media) != 3 || !req.Media[0].Equal(audiohook.StereoPCMU()) {
				t.Fatalf("request %+v", req)
			}
		})
	}
	a := openRequest("edge-a", RecordingMeta{SessionID: "s"})
	b := openRequest("edge-b", RecordingMeta{SessionID: "s"})
	if a.ConversationID == b.ConversationID || a.ConversationID != openRequest("edge-a", RecordingMeta{SessionID: "s"}).ConversationID {
		t.Fatal("derived conversation ids are not stable per appliance and session")
	}
}

func mustConv(t *testing.T, s string) callkey.Key {
	t.Helper()
	k, err := callkey.Conversation(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAddressUser(t *testing.T) {
	for in, want := range map[string]string{
		"sip:+15551234567@sbc;user=phone": "+15551234567",
		"<sips:alice@example.com>":        "alice",
		"tel:+18005550100":                "+18005550100",
		"SIP:4000@pbx":                    "4000",
		"4000":                            "4000",
		"":                                "",
	} {
		if got := addressUser(in); got != want {
			t.Errorf("addressUser(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: time.Second}
	windows := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range windows {
		w *= time.Millisecond
		if d := b.next(); d < w/2 || d > w {
			t.Fatalf("attempt %d waits %v, want within [%v, %v]", i, d, w/2, w)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Fatalf("after reset %v", d)
	}
}

// TestBothStore: sink both writes the whole call locally and adds the
// cloud's report (here: everything undelivered) to the JSON.
func TestBothStore(t *testing.T) {
	ts := newTestStore(t)
	tc := newTestCloud(t, nil)
	both := NewBoth(ts.LocalStore, tc.CloudStore)
	rec, err := both.Open(t.Context(), RecordingMeta{SessionID: "both-1"})
	if err != nil {
		t.Fatal(err)
	}
	g := newFrameGen()
	writeFrames(t, rec, g, 150)
	rec.Pause()
	rec.Resume()
	err = rec.Close(FinalMeta{Reason: "bye"})
	if !errors.Is(err, ErrCloudUndelivered) {
		t.Fatalf("Close = %v, want the cloud's ErrCloudUndelivered", err)
	}
	if err := rec.Close(FinalMeta{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
	local := rec.(*bothRecording).local
	if w := readWAV(t, local.Path()); w.frames() != 150*160 {
		t.Fatalf("local WAV %d frames", w.frames())
	}
	b, err := os.ReadFile(jsonPath(local))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Manifest
		Cloud *CloudReport `json:"cloud"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Status != StatusComplete || doc.EndReason != "bye" || len(doc.Holds) != 1 || doc.Cloud == nil ||
		doc.Cloud.Status != CloudIncomplete || doc.Cloud.Dropped.SamplesPerChannel != 150*160 || doc.Cloud.Holds != 1 {
		t.Fatalf("JSON %s", b)
	}
	if !strings.Contains(string(b), `"cloud": {`) {
		t.Fatalf("no cloud section:\n%s", b)
	}

	// A closed cloud store leaves the local recording alone.
	_ = tc.Close()
	rec, err = both.Open(t.Context(), RecordingMeta{SessionID: "both-2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.(*LocalRecording); !ok {
		t.Fatalf("Open with the cloud store closed = %T, want the local recording", rec)
	}
	_ = rec.Close(FinalMeta{})
}

// TestCloudStoreClose: the store closes its recordings and refuses more.
func TestCloudStoreClose(t *testing.T) {
	tc := newTestCloud(t, nil)
	r := tc.open(t, "open-at-shutdown")
	_ = r.WriteFrame(newFrameGen().next())
	if err := tc.Close(); !errors.Is(err, ErrCloudUndelivered) {
		t.Fatalf("Close = %v", err)
	}
	if err := tc.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := tc.Open(t.Context(), RecordingMeta{SessionID: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Open after Close = %v", err)
	}
	if _, err := newTestCloud(t, nil).Open(t.Context(), RecordingMeta{}); !errors.Is(err, ErrInvalidID) {
		t.Fatalf("Open without an id = %v", err)
	}
	if rep := r.Report(); rep.EndReason != "close_timeout" || rep.Status != CloudIncomplete {
		t.Fatalf("report %+v", rep)
	}
}

// TestCloudRing: positions are absolute, overflow drops the oldest
// samples exactly, blocks go back to the pool once wholly before start.
func TestCloudRing(t *testing.T) {
	pool := make(blockPool, 8)
	g := newCloudRing(int64(cloudBlockSamples)+500, pool) // 1.0625 s: 3 slots
	if len(g.slots) != 3 {
		t.Fatalf("%d slots", len(g.slots))
	}
	stereo := func(from, n int) []int16 {
		s := make([]int16, 2*n)
		for i := range n {
			s[2*i], s[2*i+1] = int16((from+i)%4000*8), -int16((from+i)%4000*8)
		}
		return s
	}
	check := func(from, n int) {
		t.Helper()
		got := make([]byte, 2*n)
		g.read(got, int64(from))
		want := stereo(from, n)
		for i := range got {
			if got[i] != audiohook.EncodeULaw(want[i]) {
				t.Fatalf("sample %d/%d: %#x, want %#x", from+i/2, i%2, got[i], audiohook.EncodeULaw(want[i]))
			}
		}
	}
	tests := []struct {
		write, dropFrom, dropped, start, end int64
		advance                              int64
	}{
		{write: 6000, start: 0, end: 6000},
		{write: 2000, start: 0, end: 8000},                                                    // exactly one block
		{write: 1000, dropFrom: 0, dropped: 500, start: 500, end: 9000},                       // overflow by 500
		{advance: 8200, start: 8200, end: 9000},                                               // ack: block 0 back to the pool
		{write: 20000, dropFrom: 8200, dropped: 20000 + 800 - 8500, start: 20500, end: 29000}, // longer than the ring
	}
	pos := 0
	for i, tt := range tests {
		if tt.advance > 0 {
			g.advance(tt.advance)
			if len(pool) != 1 {
				t.Fatalf("step %d: %d blocks in the pool, want block 0", i, len(pool))
			}
		} else {
			from, dropped := g.write(stereo(pos, int(tt.write)))
			pos += int(tt.write)
			if dropped != tt.dropped || (dropped > 0 && from != tt.dropFrom) {
				t.Fatalf("step %d: dropped %d from %d, want %d from %d", i, dropped, from, tt.dropped, tt.dropFrom)
			}
		}
		if g.start != tt.start || g.end != tt.end || g.held() > g.capacity {
			t.Fatalf("step %d: ring %d..%d, want %d..%d", i, g.start, g.end, tt.start, tt.end)
		}
		check(int(g.start), int(g.held()))
	}
	g.release()
	if g.held() != 0 || len(pool) != 3 {
		t.Fatalf("after release: held %d, pool %d", g.held(), len(pool))
	}
}
