package audiohook

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// decodedPCMU is what the server hears of stereo after PCMU.
func decodedPCMU(stereo []int16) []int16 {
	out := make([]int16, len(stereo))
	for i, v := range stereo {
		out[i] = DecodeULaw(EncodeULaw(v))
	}
	return out
}

// heard concatenates the frames the server delivered and checks that each
// starts where the previous ended, from the given position.
func heard(t *testing.T, frames []Frame, from time.Duration) []int16 {
	t.Helper()
	var all []int16
	pos := from
	for i, f := range frames {
		if f.Position != pos {
			t.Fatalf("frame %d at %v, want %v", i, f.Position, pos)
		}
		pos += SampleDuration(int64(len(f.Samples)/2), SampleRate)
		all = append(all, f.Samples...)
	}
	return all
}

func TestSessionOpenStreamClose(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{})
	if m, ok := s.Media(); !ok || !m.Equal(StereoPCMU()) {
		t.Fatalf("media %v %v, want stereo PCMU", m, ok)
	}
	if s.Paused() {
		t.Fatal("paused after a running open")
	}
	audio := tone(350*time.Millisecond, 1)
	for i := 0; i < len(audio); i += 2 * 160 { // 20 ms writes, as the framer makes them
		if err := s.WriteAudio(audio[i:min(i+2*160, len(audio))]); err != nil {
			t.Fatal(err)
		}
	}
	closeClient(t, s, CloseEnd)
	if err := s.Err(); err != nil {
		t.Fatalf("client Err %v", err)
	}
	e.app.wait(t, "Closed", func() bool { return len(e.app.endings) == 1 })
	e.app.mu.Lock()
	defer e.app.mu.Unlock()
	// 100 ms frames, then the last 50 ms flushed by close.
	if n := len(e.app.frames); n != 4 || len(e.app.frames[0].Payload) != 1600 || len(e.app.frames[3].Payload) != 800 {
		t.Fatalf("%d frames, want 3×1600 bytes and 1×800", n)
	}
	if got := heard(t, e.app.frames, 0); !slices.Equal(got, decodedPCMU(audio)) {
		t.Fatal("audio differs from what was sent")
	}
	end := e.app.endings[0]
	if end.Reason != CloseEnd || end.Err != nil || end.Position != 350*time.Millisecond {
		t.Fatalf("ending %+v", end)
	}
	p := e.app.opens[0]
	if p.OrganizationID != testOrg || p.APIKey != testAPIKey || !p.Media.Equal(StereoPCMU()) || len(p.Offered) != 3 || p.Participant.ANI != "+15551230000" {
		t.Fatalf("open params %+v", p)
	}
}

func TestSessionStartPausedThenResume(t *testing.T) {
	e := newTestEnv(t)
	e.app.decide = func(OpenParams) (OpenDecision, error) { return OpenDecision{StartPaused: true}, nil }
	s := e.open(e.client(), OpenRequest{})
	if !s.Paused() {
		t.Fatal("not paused after opened{startPaused:true}")
	}
	ss := e.app.session(t)
	e.app.wait(t, "paused notice", func() bool { return len(e.app.notices) == 1 && e.app.notices[0].Type == TypePaused })
	// Audio while paused is skipped, not sent; the position moves on.
	if err := s.WriteAudio(tone(time.Second, 2)); err != nil {
		t.Fatal(err)
	}
	if err := ss.Resume(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if s.Paused() || ss.Paused() {
		t.Fatal("still paused after Resume")
	}
	after := tone(200*time.Millisecond, 3)
	if err := s.WriteAudio(after); err != nil {
		t.Fatal(err)
	}
	closeClient(t, s, CloseEnd)
	e.app.wait(t, "Closed", func() bool { return len(e.app.endings) == 1 })
	e.app.mu.Lock()
	defer e.app.mu.Unlock()
	r := e.app.notices[1]
	if r.Type != TypeResumed || r.Start != 0 || r.Discarded != time.Second {
		t.Fatalf("resumed notice %+v, want start 0 discarded 1s", r)
	}
	if got := heard(t, e.app.frames, time.Second); !slices.Equal(got, decodedPCMU(after)) {
		t.Fatal("audio after resume differs")
	}
}

func TestSessionPauseResumeDiscarded(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{})
	ss := e.app.session(t)
	if err := s.WriteAudio(tone(200*time.Millisecond, 1)); err != nil {
		t.Fatal(err)
	}
	if err := ss.Pause(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if !s.Paused() || !ss.Paused() {
		t.Fatal("not paused after Pause")
	}
	// A second pause while paused is answered with a second paused.
	if err := ss.Pause(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteAudio(tone(500*time.Millisecond, 2)); err != nil {
		t.Fatal(err)
	}
	if err := ss.Resume(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteAudio(tone(100*time.Millisecond, 3)); err != nil {
		t.Fatal(err)
	}
	e.app.wait(t, "third frame", func() bool { return len(e.app.frames) == 3 })
	e.app.mu.Lock()
	var resumed Notice
	for _, n := range e.app.notices {
		if n.Type == TypeResumed {
			resumed = n
		}
	}
	pos := e.app.frames[2].Position
	e.app.mu.Unlock()
	if resumed.Start != 200*time.Millisecond || resumed.Discarded != 500*time.Millisecond {
		t.Fatalf("resumed %+v, want start 200ms discarded 500ms", resumed)
	}
	if pos != 700*time.Millisecond {
		t.Fatalf("frame after resume at %v, want 700ms", pos)
	}
	if got := s.Position(); got != 800*time.Millisecond {
		t.Fatalf("client position %v", got)
	}
	closeClient(t, s, CloseEnd)
}

func TestSessionClientPauseAndServerPause(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{})
	ss := e.app.session(t)
	if err := s.Pause(); err != nil { // CTI hold on the client side
		t.Fatal(err)
	}
	e.app.wait(t, "paused", func() bool { return len(e.app.notices) == 1 })
	if err := ss.Resume(ctxT(t)); err != nil { // the client holds its own pause: paused again
		t.Fatal(err)
	}
	if !ss.Paused() || !s.Paused() {
		t.Fatal("a server resume ended the client's pause")
	}
	if err := s.WriteAudio(tone(300*time.Millisecond, 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	e.app.wait(t, "resumed", func() bool {
		n := e.app.notices[len(e.app.notices)-1]
		return n.Type == TypeResumed && n.Start == 0 && n.Discarded == 300*time.Millisecond
	})
	closeClient(t, s, CloseEnd)
}

func TestSessionUpdateDiscardedError(t *testing.T) {
	e := newTestEnv(t)
	s := e.open(e.client(), OpenRequest{Language: "en-US"})
	if err := s.Update("es-ES"); err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.SendError(&ProtocolError{Code: CodeTooManyRequests, Message: "slow down", RetryAfter: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	e.app.wait(t, "three notices", func() bool { return len(e.app.notices) == 3 })
	e.app.mu.Lock()
	ns := slices.Clone(e.app.notices)
	e.app.mu.Unlock()
	if ns[0].Type != TypeUpdate || ns[0].Language != "es-ES" {
		t.Errorf("update notice %+v", ns[0])
	}
	if ns[1].Type != TypeDiscarded || ns[1].Start != 0 || ns[1].Discarded != 300*time.Millisecond {
		t.Errorf("discarded notice %+v", ns[1])
	}
	if ns[2].Type != TypeError || ns[2].Error.Code != 429 || ns[2].Error.RetryAfter.Std() != 2*time.Second {
		t.Errorf("error notice %+v", ns[2])
	}
	ss := e.app.session(t)
	if err := ss.SendEvent([]EventEntity{{Type: "x", Data: []byte(`{}`)}}); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("SendEvent during retryAfter: %v", err)
	}
	e.clock.Advance(2 * time.Second)
	if err := ss.SendEvent([]EventEntity{{Type: "x", Data: []byte(`{}`)}}); err != nil {
		t.Fatalf("SendEvent after retryAfter: %v", err)
	}
	if got := ss.Position(); got != 300*time.Millisecond {
		t.Fatalf("server position %v after discarded", got)
	}
	closeClient(t, s, CloseEnd)
	if v := metricValue(e.metrics.protoErrors.WithLabelValues("server", "429", "peer")); v != 1 {
		t.Fatalf("429 from the peer counted %v", v)
	}
}
