package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
)

// TestAudioHookServerMode plays Genesys Cloud streaming a conversation to
// the appliance with the lab's Genesys client (ahlab.Player, what
// `cogito-lab audiohook-client` runs): the session opens paused (no CTI
// start yet) while the client streams and Genesys-style discards its
// audio, resumes on the CTI start, and the recording holds exactly the
// audio sent after the resume, the customer's tone on channel 0 and the
// agent's on channel 1.
func TestAudioHookServerMode(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startHookEdge(t, nil)
	conv := newConversation()
	const total = 4 * time.Second
	p, err := ahlab.NewPlayer(ahlab.PlayerConfig{
		URL:            "ws://" + e.app.IngestAddr() + "/api/v1/audiohook/ws",
		APIKey:         hookAPIKey,
		Secret:         hookSecret,
		OrganizationID: hookOrg,
		ConversationID: conv,
		Participant:    audiohook.Participant{ID: "4d7e5b0e-1c7a-4b0e-9c53-2f3a1d9b8e6c", ANI: "tel:+15551230000", DNIS: "tel:+18005550100"},
		Source:         ahlab.Tones(customerHz, agentHz, total),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type result struct {
		rep ahlab.PlayerReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := p.Run(ctx)
		done <- result{rep, err}
	}()
	e.waitCall(mustKey(callkey.Conversation(conv)), "pending", 5*time.Second)
	if err := p.Wait(ctx, func(r ahlab.PlayerReport) bool { return r.AudioDiscarded >= time.Second }); err != nil {
		t.Fatalf("the player never streamed paused: %v (%+v)", err, p.Snapshot())
	}
	ctiAt := time.Now()
	e.postCTI(cti.Event{Type: cti.Start, ConversationID: conv, Direction: cti.Inbound, AgentID: "agent-9"})
	res := <-done
	rep := res.rep
	if res.err != nil || rep.Outcome != "closed" {
		t.Fatalf("player: %v (%+v)", res.err, rep)
	}
	if !rep.OpenedPaused || len(rep.ResumedAt) != 1 || rep.ResumedAt[0].Before(ctiAt) || len(rep.PausedAt) != 0 {
		t.Fatalf("opened paused %v, resumed at %v (CTI start at %v), paused at %v: want paused until the CTI start, then running",
			rep.OpenedPaused, rep.ResumedAt, ctiAt, rep.PausedAt)
	}
	if rep.AudioSent+rep.AudioDiscarded != total || rep.AudioSent < total/4 {
		t.Fatalf("sent %v, discarded %v while paused: want %v in all", rep.AudioSent, rep.AudioDiscarded, total)
	}

	m, wav := e.recordingByKey(mustKey(callkey.Conversation(conv)), 10*time.Second)
	w, err := tone.ReadWAVFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	an := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz}})
	if err := an.Check(
		tone.Expect{Channel: 0, Freq: customerHz, Duration: rep.AudioSent, Tolerance: 0.05},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: rep.AudioSent, Tolerance: 0.05},
	); err != nil {
		t.Errorf("recording %s: %v (audio sent after the resume: %v)", wav, err, rep.AudioSent)
	}
	if got := time.Duration(m.SamplesPerChannel) * time.Second / 8000; got != rep.AudioSent {
		t.Errorf("recording holds %v, the player sent %v after the resume", got, rep.AudioSent)
	}
	if m.AgentID != "agent-9" || m.Direction != "inbound" || m.Status != "complete" {
		t.Errorf("manifest agent %q direction %q status %q", m.AgentID, m.Direction, m.Status)
	}
}

// TestAudioHookKnownStartAndEnd: a CTI start that arrived before Genesys
// connects opens the session running; a CTI end (after its grace) becomes
// disconnect{completed}, and the recording is complete.
func TestAudioHookKnownStartAndEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startHookEdge(t, func(c *config.Config) { c.Gate.EndGrace = 300 * time.Millisecond })
	conv := newConversation()
	e.postCTI(cti.Event{Type: cti.Start, ConversationID: conv, Direction: cti.Outbound, AgentID: "agent-3"})

	disconnected := make(chan audiohook.DisconnectReason, 1)
	client := hookClient(t, e, func(_ *audiohook.ClientSession, ev audiohook.ClientEvent) {
		if ev.Type == audiohook.TypeDisconnect && ev.Disconnect != nil {
			disconnected <- ev.Disconnect.Reason
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sess, err := client.Open(ctx, audiohook.OpenRequest{ConversationID: conv, Participant: audiohook.Participant{ID: "4d7e5b0e-1c7a-4b0e-9c53-2f3a1d9b8e6c", ANI: "tel:+15551230001"}})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if sess.Paused() {
		t.Fatal("opened paused although the CTI start was known")
	}
	const chunks = 100 // 2 s
	streamTones(t, sess, chunks, nil)
	e.postCTI(cti.Event{Type: cti.End, ConversationID: conv})
	select {
	case r := <-disconnected:
		if r != audiohook.DisconnectCompleted {
			t.Fatalf("disconnect reason %q, want completed", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no disconnect after the CTI end")
	}
	_ = sess.Close(ctx, audiohook.CloseDisconnect)
	m, wav := e.recordingByKey(mustKey(callkey.Conversation(conv)), 10*time.Second)
	w, err := tone.ReadWAVFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz}})
	d := chunks * 20 * time.Millisecond
	if err := rep.Check(
		tone.Expect{Channel: 0, Freq: customerHz, Duration: d, Tolerance: 0.05},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: d, Tolerance: 0.05},
	); err != nil {
		t.Errorf("recording %s: %v", wav, err)
	}
	if m.Status != "complete" || m.Direction != "outbound" {
		t.Errorf("manifest status %q direction %q", m.Status, m.Direction)
	}
}

const (
	hookAPIKey = "lab-genesys-key"
	hookOrg    = "d7934305-0972-4844-938e-9060eef73d05"
)

var hookSecret = []byte("0123456789abcdef0123456789abcdef")

// startHookEdge runs an appliance with its AudioHook server on loopback.
func startHookEdge(t *testing.T, mutate func(*config.Config)) *edge {
	t.Helper()
	creds := filepath.Join(t.TempDir(), "audiohook.yaml")
	body := fmt.Sprintf("- api_key: %s\n  client_secret: %s\n", hookAPIKey, base64.StdEncoding.EncodeToString(hookSecret))
	if err := os.WriteFile(creds, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, func(c *config.Config) {
		c.AudioHook.Listen = "127.0.0.1:0"
		c.AudioHook.CredentialsFile = creds
		if mutate != nil {
			mutate(c)
		}
	})
	if e.app.IngestAddr() == "" {
		t.Fatal("AudioHook server not listening")
	}
	return e
}

// hookClient is a Genesys-like AudioHook client signed with the lab key.
func hookClient(t *testing.T, e *edge, onEvent func(*audiohook.ClientSession, audiohook.ClientEvent)) *audiohook.Client {
	t.Helper()
	c, err := audiohook.NewClient(audiohook.ClientConfig{
		URL:            "ws://" + e.app.IngestAddr() + "/api/v1/audiohook/ws",
		APIKey:         hookAPIKey,
		Secret:         hookSecret,
		OrganizationID: hookOrg,
		OnEvent:        onEvent,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newConversation() string {
	return fmt.Sprintf("8a2f4c1e-3b5d-4e6f-9a7b-%012x", rand.Int64N(1<<40))
}

// streamTones writes n 20 ms chunks of stereo tone (customer external,
// agent internal) in real time; each(i) runs before chunk i.
func streamTones(t *testing.T, sess *audiohook.ClientSession, n int, each func(i int)) {
	t.Helper()
	chunk := make([]int16, 2*160)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < n; i++ {
		<-tick.C
		for j := 0; j < 160; j++ {
			x := float64(i*160 + j)
			chunk[2*j] = int16(0.3 * 32767 * math.Sin(2*math.Pi*customerHz*x/8000))
			chunk[2*j+1] = int16(0.3 * 32767 * math.Sin(2*math.Pi*agentHz*x/8000))
		}
		if each != nil {
			each(i)
		}
		if err := sess.WriteAudio(chunk); err != nil {
			t.Fatalf("write audio: %v", err)
		}
	}
}
