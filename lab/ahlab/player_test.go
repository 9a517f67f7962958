package ahlab_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
)

// TestPlayerIngestRoundTrip: the player opens, the ingest holds it paused
// (as the appliance does until a CTI start), resumes it, and the recording
// holds exactly the audio sent after the resume, the customer's tone on
// channel 0 and the agent's on channel 1.
func TestPlayerIngestRoundTrip(t *testing.T) {
	checkGoroutines(t)
	in, url := startIngest(t, func(c *ahlab.IngestConfig) { c.StartPaused = true })
	ctx := waitCtx(t)
	p, err := ahlab.NewPlayer(ahlab.PlayerConfig{
		URL: url, APIKey: testKey, Secret: secret(t),
		Participant: audiohook.Participant{ANI: "+15551230000", ANIName: "Customer", DNIS: "+18005550100"},
		Source:      ahlab.Tones(ahlab.CustomerHz, ahlab.AgentHz, 2*time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		rep ahlab.PlayerReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := p.Run(ctx)
		done <- result{rep, err}
	}()
	if err := p.Wait(ctx, func(r ahlab.PlayerReport) bool { return r.AudioDiscarded >= 500*time.Millisecond }); err != nil {
		t.Fatalf("player never streamed paused: %v", err)
	}
	sid := p.Snapshot().SessionID
	if err := in.Resume(ctx, sid); err != nil {
		t.Fatalf("resume: %v", err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("player: %v (%+v)", res.err, res.rep)
	}
	rep := res.rep
	if !rep.OpenedPaused || len(rep.ResumedAt) != 1 || rep.Outcome != "closed" || rep.AudioSent <= 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.AudioSent+rep.AudioDiscarded != 2*time.Second || rep.Position != 2*time.Second {
		t.Fatalf("sent %v + discarded %v, position %v: want 2s", rep.AudioSent, rep.AudioDiscarded, rep.Position)
	}

	rec, err := in.WaitRecording(ctx, rep.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tone.ReadWAVFile(rec.WAV)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.Duration(), rep.AudioSent; got != want {
		t.Fatalf("recording holds %v, the player sent %v after the resume", got, want)
	}
	r := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{ahlab.CustomerHz, ahlab.AgentHz}})
	if err := r.Check(tone.Expect{Channel: 0, Freq: ahlab.CustomerHz}, tone.Expect{Channel: 1, Freq: ahlab.AgentHz}); err != nil {
		t.Fatal(err)
	}
	if rec.EndReason != "end" || len(rec.Gaps) != 0 || rec.Manifest == nil || rec.Manifest.Status != "complete" {
		t.Fatalf("recording %+v", rec)
	}
	if got := rec.Manifest.Participants; len(got) != 2 || got[0].AOR != "+15551230000" || got[0].Role != "external" || got[1].AOR != "+18005550100" {
		t.Fatalf("participants %+v", got)
	}
	s, ok := in.Session(sid)
	if !ok || s.FirstAudio.IsZero() || s.Live || s.CloseReason != "end" || s.Resumes != 1 {
		t.Fatalf("session %+v", s)
	}
	b, err := os.ReadFile(rec.JSON)
	if err != nil || !containsAll(string(b), `"audiohook"`, `"first_audio"`, `"received_seconds": 2`) {
		t.Fatalf("JSON %s: %v\n%s", filepath.Base(rec.JSON), err, b)
	}
}

// TestPlayerRefusedAndDisconnected: a wrong secret is refused at the
// upgrade; a server's disconnect{completed} ends the player cleanly.
func TestPlayerRefusedAndDisconnected(t *testing.T) {
	checkGoroutines(t)
	in, url := startIngest(t, nil)
	ctx := waitCtx(t)

	_, err := ahlab.Play(ctx, ahlab.PlayerConfig{URL: url, APIKey: testKey, Secret: []byte("wrong"), NoPace: true})
	if !errors.Is(err, audiohook.ErrUnauthorized) {
		t.Fatalf("wrong secret: %v, want unauthorized", err)
	}

	p, err := ahlab.NewPlayer(ahlab.PlayerConfig{URL: url, APIKey: testKey, Secret: secret(t),
		Source: ahlab.Tones(ahlab.CustomerHz, ahlab.AgentHz, time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := p.Run(ctx); done <- err }()
	if err := p.Wait(ctx, func(r ahlab.PlayerReport) bool { return r.AudioSent >= 300*time.Millisecond }); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := in.Disconnect(dctx, p.Snapshot().SessionID, audiohook.DisconnectCompleted); err != nil {
		t.Fatalf("disconnect: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("player after disconnect completed: %v", err)
	}
	if rep := p.Snapshot(); rep.Outcome != "disconnected:completed" || rep.AudioSent >= time.Minute {
		t.Fatalf("report %+v", rep)
	}
	if rec, err := in.WaitRecording(ctx, p.Snapshot().ConversationID); err != nil || rec.EndReason != "disconnect" {
		t.Fatalf("recording %+v: %v", rec, err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
