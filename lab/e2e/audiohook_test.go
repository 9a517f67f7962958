package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/tone"
)

// TestAudioHookServerMode plays Genesys Cloud streaming a conversation to
// the appliance: the session opens paused (no CTI start yet), resumes on the
// CTI start, and records the customer's tone on channel 0 and the agent's on
// channel 1 for as long as audio flowed after the match.
func TestAudioHookServerMode(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startHookEdge(t, nil)
	conv := newConversation()
	var resumedAt atomic.Int64
	client := hookClient(t, e, func(_ *audiohook.ClientSession, ev audiohook.ClientEvent) {
		if ev.Type == audiohook.TypeResume && !ev.Paused {
			resumedAt.CompareAndSwap(0, time.Now().UnixNano())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sess, err := client.Open(ctx, audiohook.OpenRequest{
		ConversationID: conv,
		Participant:    audiohook.Participant{ID: "4d7e5b0e-1c7a-4b0e-9c53-2f3a1d9b8e6c", ANI: "tel:+15551230000", DNIS: "tel:+18005550100"},
	})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !sess.Paused() {
		t.Fatal("opened running without a CTI start: want startPaused")
	}
	e.waitCall(mustKey(callkey.Conversation(conv)), "pending", 5*time.Second)

	// Stream in real time; the CTI start comes after 1 s.
	var afterResume int
	streamTones(t, sess, 200, func(i int) {
		if i == 50 {
			e.postCTI(cti.Event{Type: cti.Start, ConversationID: conv, Direction: cti.Inbound, AgentID: "agent-9"})
		}
		if resumedAt.Load() != 0 {
			afterResume += 160
		}
	})
	if resumedAt.Load() == 0 {
		t.Fatal("never resumed after the CTI start")
	}
	if err := sess.Close(ctx, audiohook.CloseEnd); err != nil {
		t.Fatalf("close: %v", err)
	}

	m, wav := e.recordingByKey(mustKey(callkey.Conversation(conv)), 10*time.Second)
	w, err := tone.ReadWAVFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Duration(afterResume) * time.Second / 8000
	rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz}})
	if err := rep.Check(
		tone.Expect{Channel: 0, Freq: customerHz, Duration: sent, Tolerance: 0.05},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: sent, Tolerance: 0.05},
	); err != nil {
		t.Errorf("recording %s: %v (audio sent after the resume: %v)", wav, err, sent)
	}
	if m.AgentID != "agent-9" || m.Direction != "inbound" {
		t.Errorf("manifest agent %q direction %q", m.AgentID, m.Direction)
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
