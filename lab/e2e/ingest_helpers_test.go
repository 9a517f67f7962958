package e2e

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
)

// conversation is the conversation id the relay streams a session under
// (its conversation key, else an id derived from the session).
func (ce *cloudEdge) conversation(sessionID string, keys callkey.Set) string {
	return relay.ConversationID(ce.id, relay.RecordingMeta{SessionID: sessionID, Keys: keys})
}

// ingested waits for the cloud's complete recording of a conversation.
func (ce *cloudEdge) ingested(conv string) ahlab.Recording {
	ce.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec, err := ce.sim.WaitRecording(ctx, conv)
	if err != nil {
		ce.t.Fatalf("ingest: %v (recordings %+v)", err, ce.sim.Ingest().Recordings())
	}
	return rec
}

// ingestReport is the part of the ingest's JSON that says what it got.
type ingestReport struct {
	AudioHook struct {
		ReceivedSeconds float64     `json:"received_seconds"`
		Gaps            []ahlab.Gap `json:"gaps"`
		Sessions        []struct {
			ID        string `json:"id"`
			Continued bool   `json:"continued"`
		} `json:"sessions"`
		EndReason string `json:"end_reason"`
	} `json:"audiohook"`
}

// checkIngested proves the cloud got a call's audio: a complete stereo
// 8 kHz recording with the customer's tone on channel 0 and the agent's on
// channel 1, each for d ±5%, and no gap in the ingest's JSON. With
// localWAV (sink both) the ingested audio must also be, sample for sample,
// what the appliance recorded locally: nothing lost, doubled or shifted on
// the way through the tunnel. It returns the ingest's JSON report.
func checkIngested(t *testing.T, rec ahlab.Recording, d time.Duration, localWAV string) ingestReport {
	t.Helper()
	var rep ingestReport
	b, err := os.ReadFile(rec.JSON)
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("ingest JSON %s: %v", rec.JSON, err)
	}
	if len(rep.AudioHook.Gaps) != 0 || len(rec.Gaps) != 0 || rec.EndReason != "end" {
		t.Errorf("ingested %s: gaps %+v, end %q", rec.ID, rep.AudioHook.Gaps, rec.EndReason)
	}
	w, err := tone.ReadWAVFile(rec.WAV)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Channels) != 2 || w.SampleRate != tone.SampleRate {
		t.Fatalf("ingested WAV %s: %d channels at %d Hz", rec.WAV, len(w.Channels), w.SampleRate)
	}
	an := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz}})
	if err := an.Check(
		tone.Expect{Channel: 0, Freq: customerHz, Duration: d, Tolerance: 0.05},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: d, Tolerance: 0.05},
	); err != nil {
		t.Errorf("ingested %s: %v", rec.WAV, err)
	}
	if localWAV == "" {
		return rep
	}
	lw, err := tone.ReadWAVFile(localWAV)
	if err != nil {
		t.Fatal(err)
	}
	if n, ln := len(w.Channels[0]), len(lw.Channels[0]); n != ln {
		t.Fatalf("ingested %d samples per channel, the appliance recorded %d", n, ln)
	}
	for ch := range 2 {
		for i, v := range lw.Channels[ch] {
			if want := tone.ULawToLinear(tone.LinearToULaw(v)); w.Channels[ch][i] != want {
				t.Fatalf("ingested channel %d sample %d = %d, recorded locally %d (PCMU %d)", ch, i, w.Channels[ch][i], v, want)
			}
		}
	}
	return rep
}

// localCloudReport reads the relay's report that sink both merges into
// the local recording's JSON under "cloud".
func localCloudReport(t *testing.T, wav string) relay.CloudReport {
	t.Helper()
	b, err := os.ReadFile(wav[:len(wav)-len(".wav")] + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cloud *relay.CloudReport `json:"cloud"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Cloud == nil {
		t.Fatalf("no cloud report in the local JSON (%v):\n%s", err, b)
	}
	return *doc.Cloud
}
