package audiohook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestOpenRefusalCodes(t *testing.T) {
	cases := []struct {
		err    error
		reason DisconnectReason
		info   string
	}{
		{ErrUnauthorized, DisconnectUnauthorized, "not authorized"},
		{fmt.Errorf("no capacity: %w", ErrUnavailable), DisconnectError, "503 "},
		{&ProtocolError{Code: CodeUnsupportedMedia, Message: "stereo only"}, DisconnectError, "415 stereo only"},
		{errors.New("database down"), DisconnectError, "500 "},
	}
	for _, tc := range cases {
		t.Run(tc.info, func(t *testing.T) {
			e := newTestEnv(t)
			e.app.decide = func(OpenParams) (OpenDecision, error) { return OpenDecision{}, tc.err }
			c := e.client()
			_, err := c.Open(ctxT(t), OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}})
			var de *DisconnectedError
			if !errors.As(err, &de) || de.Reason != tc.reason || !strings.HasPrefix(de.Info, tc.info) {
				t.Fatalf("Open = %v, want disconnect %s %q", err, tc.reason, tc.info)
			}
			if strings.Contains(de.Info, "database") {
				t.Fatalf("internal error text leaked to the client: %q", de.Info)
			}
			e.app.wait(t, "Closed", func() bool { return len(e.app.endings) == 1 })
		})
	}
}

func TestClientCustomDialerAndFrameDuration(t *testing.T) {
	e := newTestEnv(t)
	var dials atomic.Int32
	c := e.client(func(cfg *ClientConfig) {
		cfg.FrameDuration = 20 * time.Millisecond
		cfg.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1) // the relay's tunnel dialer goes here
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	})
	s := e.open(c, OpenRequest{})
	if dials.Load() != 1 {
		t.Fatalf("custom dialer used %d times", dials.Load())
	}
	if err := s.WriteAudio(tone(100*time.Millisecond, 1)); err != nil {
		t.Fatal(err)
	}
	e.app.wait(t, "five 20 ms frames", func() bool { return len(e.app.frames) == 5 })
	e.app.mu.Lock()
	for i, f := range e.app.frames {
		if len(f.Payload) != 320 || f.Position != time.Duration(i)*20*time.Millisecond {
			t.Errorf("frame %d: %d bytes at %v", i, len(f.Payload), f.Position)
		}
	}
	e.app.mu.Unlock()
	closeClient(t, s, CloseEnd)
}

func TestMonoSelectionCarriesOneChannel(t *testing.T) {
	e := newTestEnv(t)
	mono := Media{Type: MediaTypeAudio, Format: FormatPCMU, Channels: []Channel{Internal}, Rate: SampleRate}
	s := e.open(e.client(), OpenRequest{Media: []Media{mono}})
	if m, ok := s.Media(); !ok || !m.Equal(mono) {
		t.Fatalf("media %v", m)
	}
	audio := tone(100*time.Millisecond, 4)
	if err := s.WriteAudio(audio); err != nil {
		t.Fatal(err)
	}
	e.app.wait(t, "a frame", func() bool { return len(e.app.frames) == 1 })
	e.app.mu.Lock()
	f := e.app.frames[0]
	e.app.mu.Unlock()
	if len(f.Payload) != 800 {
		t.Fatalf("mono frame of %d bytes", len(f.Payload))
	}
	want := decodedPCMU(audio)
	for i := range want {
		if i%2 == 0 {
			want[i] = 0 // external is not carried
		}
	}
	if !slices.Equal(f.Samples, want) {
		t.Fatal("mono internal samples differ")
	}
	closeClient(t, s, CloseEnd)
}

func TestNoSupportedMediaIs415(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	_, err := c.Open(ctxT(t), OpenRequest{ConversationID: NewUUID(), Participant: Participant{ID: NewUUID()}, Media: []Media{}})
	var de *DisconnectedError
	if !errors.As(err, &de) || !strings.HasPrefix(de.Info, "415 ") {
		t.Fatalf("Open = %v", err)
	}
}
