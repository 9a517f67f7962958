package cloudsim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/cogito/cogito-edge/tunnel"
)

// startIngestSim runs a simulator with its AudioHook ingest.
func startIngestSim(t testing.TB, edgePub tunnel.Key) *Sim {
	t.Helper()
	sim, err := New(Config{PrivateKey: mustKey(t), PeerPublicKey: edgePub, API: "127.0.0.1:0",
		Control: ControlConfig{PingInterval: 200 * time.Millisecond}, CheckInterval: 100 * time.Millisecond,
		Ingest: IngestConfig{Dir: t.TempDir(), APIKey: "relay-key", SecretFile: "/run/relay.secret", Linger: 5 * time.Second}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	if err := sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return sim
}

// relayTo is the appliance's cloud sink as its config points it at sim,
// dialling through tun.
func relayTo(t testing.TB, sim *Sim, tun *tunnel.Tunnel) *relay.CloudStore {
	t.Helper()
	store, err := relay.NewCloud(relay.CloudConfig{
		URL: sim.RelayURL(), APIKey: sim.RelayAPIKey(), Secret: sim.RelaySecret(), ApplianceID: "edge-ingest",
		DialContext: tun.DialContext, PingInterval: 500 * time.Millisecond,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// TestSimIngest: the relay's cloud sink streams through the WireGuard
// tunnel to the simulator's ingest at the URL the snippet gives; its
// connection is cut mid-call and it continues: the ingested WAV holds every
// sample written, in place, the customer's tone on channel 0 and the
// agent's on channel 1, and the ingest reports no gap.
func TestSimIngest(t *testing.T) {
	t.Parallel()
	priv := mustKey(t)
	sim := startIngestSim(t, tunnel.PublicKey(priv))
	for _, want := range []string{"sink: both", "url: ws://10.99.0.1:7001/audiohook", "api_key: relay-key",
		"client_secret_file: /run/relay.secret"} {
		if !strings.Contains(sim.Snippet(), want) {
			t.Errorf("snippet lacks %q:\n%s", want, sim.Snippet())
		}
	}
	store := relayTo(t, sim, edgeTunnel(t, sim, priv))
	meta := relay.RecordingMeta{SessionID: "call-1", Direction: "inbound", ActivatedAt: time.Now()}
	conv := relay.ConversationID("edge-ingest", meta)
	rec, err := store.OpenCloud(t.Context(), meta)
	if err != nil {
		t.Fatal(err)
	}
	const frames = 100 // 2 s in 20 ms frames, in real time
	ext, agent := tone.Tone{Freq: ahlab.CustomerHz}, tone.Tone{Freq: ahlab.AgentHz}
	mono, stereo := make([]int16, 160), make([]int16, 320)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	killed := 0
	for i := range frames {
		<-tick.C
		for ch, tn := range []tone.Tone{ext, agent} {
			tn.Fill(mono, tone.SampleRate, i*160)
			for j, v := range mono {
				stereo[2*j+ch] = v
			}
		}
		if err := rec.WriteFrame(&relay.Frame{Seq: uint64(i), Start: time.Duration(i) * 20 * time.Millisecond, Samples: stereo}); err != nil {
			t.Fatal(err)
		}
		if i == frames/2 {
			killed = sim.KillRelay(conv)
		}
	}
	if killed != 1 {
		t.Fatalf("KillRelay cut %d connections, want 1", killed)
	}
	if err := rec.Close(relay.FinalMeta{EndedAt: time.Now(), Reason: "bye"}); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	got, err := sim.WaitRecording(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tone.ReadWAVFile(got.WAV)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.Channels[0]); n != frames*160 || len(got.Gaps) != 0 || len(got.Sessions) < 2 || got.EndReason != "end" {
		t.Fatalf("ingested %d samples of %d, gaps %+v, sessions %v, end %q", n, frames*160, got.Gaps, got.Sessions, got.EndReason)
	}
	an := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{ahlab.CustomerHz, ahlab.AgentHz}})
	if err := an.Check(tone.Expect{Channel: 0, Freq: ahlab.CustomerHz, Duration: 2 * time.Second},
		tone.Expect{Channel: 1, Freq: ahlab.AgentHz, Duration: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Every sample in its place (PCMU on the wire): the audio the relay
	// resent after the cut was neither doubled nor shifted.
	for ch, tn := range []tone.Tone{ext, agent} {
		for i, v := range tn.Samples(tone.SampleRate, 2*time.Second) {
			if want := tone.ULawToLinear(tone.LinearToULaw(v)); w.Channels[ch][i] != want {
				t.Fatalf("channel %d sample %d = %d, want %d", ch, i, w.Channels[ch][i], want)
			}
		}
	}
	if at, ok := sim.FirstAudio(conv); !ok || at.Before(meta.ActivatedAt) {
		t.Errorf("first audio %v, %v", at, ok)
	}
	if rep := rec.Report(); rep.Status != relay.CloudDelivered || rep.Reconnects < 1 || rep.Dropped.SamplesPerChannel != 0 {
		t.Errorf("relay report %+v", rep)
	}
	res, err := http.Get(sim.APIURL() + "/v1/ingest")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st ingestStatus
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil || res.StatusCode != http.StatusOK ||
		len(st.Recordings) != 1 || st.Recordings[0].ConversationID != conv || len(st.Sessions) != len(got.Sessions) {
		t.Errorf("GET /v1/ingest: %d %+v %v", res.StatusCode, st, err)
	}
}

func TestIngestConfigErrors(t *testing.T) {
	k := mustKey(t)
	tests := map[string]IngestConfig{
		"same port as control": {Dir: "x", Port: DefaultControlPort},
		"path":                 {Dir: "x", Path: "audiohook"},
		"api key with a space": {Dir: "x", APIKey: "a key"},
	}
	for name, ic := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := New(Config{PrivateKey: k, PeerPublicKey: tunnel.PublicKey(mustKey(t)), Ingest: ic}, nil, nil); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
	sim, err := New(Config{PrivateKey: k, PeerPublicKey: tunnel.PublicKey(mustKey(t))}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if sim.Ingest() != nil || sim.RelayURL() != "" || sim.KillRelay("x") != 0 {
		t.Error("an ingest without Ingest.Dir")
	}
}
