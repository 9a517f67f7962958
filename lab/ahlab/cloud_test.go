package ahlab_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/tone"
)

// TestCloudSinkStreamsTones: the relay's cloud sink over a real WebSocket
// to the ingest: the customer's tone lands on channel 0, the agent's on
// channel 1, every sample where it was written, nothing more.
func TestCloudSinkStreamsTones(t *testing.T) {
	checkGoroutines(t)
	e := newCloudEnv(t, nil, nil)
	r, conv := e.open(t, "call-tones")
	g := newToneGen()
	pace(t, 100, nil, func() error { return r.WriteFrame(g.next()) })
	if err := r.Close(relay.FinalMeta{Reason: "bye"}); err != nil {
		t.Fatalf("close: %v", err)
	}
	rec, err := e.in.WaitRecording(waitCtx(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkStream(t, rec, g); n != 2*8000 || len(rec.Gaps) != 0 {
		t.Fatalf("%d samples, gaps %+v", n, rec.Gaps)
	}
	w, _ := tone.ReadWAVFile(rec.WAV)
	an := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{ahlab.CustomerHz, ahlab.AgentHz}})
	if err := an.Check(tone.Expect{Channel: 0, Freq: ahlab.CustomerHz, Duration: 2 * time.Second},
		tone.Expect{Channel: 1, Freq: ahlab.AgentHz, Duration: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	rep := r.Report()
	if rep.Status != relay.CloudDelivered || rep.EndReason != "closed" || len(rep.Sessions) != 1 ||
		rep.Reconnects != 0 || rep.StreamSeconds != 2 || rep.SentSeconds != 2 || rep.Dropped.SamplesPerChannel != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rec.EndReason != "end" || rec.Manifest.Participants[0].AOR != "+15551234567" || rec.Manifest.Participants[1].AOR != "4000" {
		t.Fatalf("recording %+v, participants %+v", rec, rec.Manifest.Participants)
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_bytes_sent_total"); got != 2*8000*2 {
		t.Fatalf("bytes sent %v", got)
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_send_latency_seconds"); got != 20 {
		t.Fatalf("latency observations %v, want one per 100 ms frame", got)
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_sessions"); got != 0 {
		t.Fatalf("sessions gauge %v after close", got)
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_buffer_seconds"); got != 0 {
		t.Fatalf("buffer gauge %v after close", got)
	}
}

// TestCloudSinkHolds: a CTI hold is paused/resumed on the wire and a hold
// in the ingest's JSON; a pause the cloud asks for skips audio without a
// gap.
func TestCloudSinkHolds(t *testing.T) {
	checkGoroutines(t)
	e := newCloudEnv(t, nil, nil)
	ctx := waitCtx(t)

	t.Run("cti hold", func(t *testing.T) {
		r, conv := e.open(t, "call-hold")
		g := newToneGen()
		write := func() error { return r.WriteFrame(g.next()) }
		pace(t, 50, nil, write)
		r.Pause()
		other := newToneGen() // frames during the hold are not streamed
		pace(t, 10, nil, func() error { return r.WriteFrame(other.next()) })
		r.Resume()
		pace(t, 50, nil, write)
		if err := r.Close(relay.FinalMeta{}); err != nil {
			t.Fatal(err)
		}
		rec, err := e.in.WaitRecording(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		checkStream(t, rec, g)
		s, _ := e.in.Session(rec.Sessions[0])
		if len(rec.Holds) != 1 || rec.Holds[0].AtSeconds != 1 || rec.Holds[0].End.IsZero() || s.Pauses != 1 || s.Resumes != 1 {
			t.Fatalf("holds %+v, session %+v", rec.Holds, s)
		}
		if rep := r.Report(); rep.Holds != 1 || rep.PausedFrames != 10 || rep.Status != relay.CloudDelivered {
			t.Fatalf("report %+v", rep)
		}
	})

	t.Run("server pause", func(t *testing.T) {
		r, conv := e.open(t, "call-server-pause")
		g := newToneGen()
		var sid string
		pace(t, 150, func(i int) {
			switch i {
			case 50:
				sid = e.in.Sessions()[len(e.in.Sessions())-1].ID
				if err := e.in.Pause(ctx, sid); err != nil {
					t.Errorf("pause: %v", err)
				}
			case 100:
				if err := e.in.Resume(ctx, sid); err != nil {
					t.Errorf("resume: %v", err)
				}
			}
		}, func() error { return r.WriteFrame(g.next()) })
		if err := r.Close(relay.FinalMeta{}); err != nil {
			t.Fatal(err)
		}
		rec, err := e.in.WaitRecording(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := tone.ReadWAVFile(rec.WAV)
		n := len(w.Channels[0])
		// The skipped audio advanced the position (resumed.discarded):
		// not a gap, and the recording's position is the whole stream.
		if len(rec.Gaps) != 0 || int(math.Round(rec.ReceivedSeconds*8000)) != g.n || n > g.n-4000 || n < 8000 {
			t.Fatalf("%d samples in the WAV, received to %v of %d, gaps %+v", n, rec.ReceivedSeconds, g.n, rec.Gaps)
		}
		if rep := r.Report(); rep.ServerPauses != 1 || rep.Status != relay.CloudDelivered {
			t.Fatalf("report %+v", rep)
		}
	})
}

// TestCloudSinkReconnects: the connection drops mid-call (cut, the ingest
// down for 2.5 s, or the ingest asks for a reconnect); the relay opens a
// continued session that resends from the acknowledged position, and the
// ingested WAV has no gap and no duplicated audio: every sample written is
// in the file exactly once, at its place.
func TestCloudSinkReconnects(t *testing.T) {
	tests := map[string]struct {
		discardTo bool
		fault     func(t *testing.T, e *cloudEnv, conv string, i int)
	}{
		"connection cut": {fault: func(t *testing.T, e *cloudEnv, conv string, i int) {
			if i == 75 && e.in.KillConversation(conv) != 1 {
				t.Error("no connection to cut")
			}
		}},
		"ingest down 2.5s": {fault: func(_ *testing.T, e *cloudEnv, _ string, i int) {
			switch i {
			case 75:
				e.in.SetDown(true)
			case 200:
				e.in.SetDown(false)
			}
		}},
		"reconnect requested": {fault: func(t *testing.T, e *cloudEnv, _ string, i int) {
			if i == 75 {
				ss := e.in.Sessions()
				if err := e.in.RequestReconnect(ss[len(ss)-1].ID); err != nil {
					t.Error(err)
				}
			}
		}},
		"connection cut, ingest answers discardTo": {discardTo: true, fault: func(t *testing.T, e *cloudEnv, conv string, i int) {
			if i == 75 && e.in.KillConversation(conv) != 1 {
				t.Error("no connection to cut")
			}
		}},
	}
	checkGoroutines(t)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newCloudEnv(t, func(c *ahlab.IngestConfig) { c.DiscardTo = tt.discardTo }, nil)
			r, conv := e.open(t, "call-reconnect")
			g := newToneGen()
			start := time.Now()
			pace(t, 300, func(i int) { tt.fault(t, e, conv, i) }, func() error { return r.WriteFrame(g.next()) })
			if err := r.Close(relay.FinalMeta{}); err != nil {
				t.Fatalf("close: %v", err)
			}
			rec, err := e.in.WaitRecording(waitCtx(t), conv)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkStream(t, rec, g); n != g.n || len(rec.Gaps) != 0 {
				t.Fatalf("%d of %d samples, gaps %+v", n, g.n, rec.Gaps)
			}
			rep := r.Report()
			if rep.Status != relay.CloudDelivered || len(rep.Sessions) < 2 || !rep.Sessions[1].Continued ||
				rep.Dropped.SamplesPerChannel != 0 || len(rec.Sessions) != len(rep.Sessions) {
				t.Fatalf("report %+v, ingest sessions %v", rep, rec.Sessions)
			}
			t.Logf("%v: %d sessions, %d reconnects, %.2fs resent, %.2fs duplicates skipped by the ingest, buffer max %.2fs, outages %+v, call %v",
				name, len(rep.Sessions), rep.Reconnects, rep.ResentSeconds, rec.DuplicateSeconds, rep.BufferMaxSeconds, rep.Outages, time.Since(start).Round(time.Millisecond))
			if got := e.metric(t, "cogito_edge_relay_cloud_sessions_opened_total", "kind", "continued"); got < 1 {
				t.Fatalf("continued sessions metric %v", got)
			}
		})
	}
}

// TestCloudSinkOutageBeyondBuffer: the ingest is down for 4 s with a 1 s
// buffer: the oldest audio is dropped and counted, the continued session
// says so with discarded, the ingest reports the gap, and the positions
// stay honest: the audio after the gap is where it was written.
func TestCloudSinkOutageBeyondBuffer(t *testing.T) {
	checkGoroutines(t)
	e := newCloudEnv(t, nil, func(c *relay.CloudConfig) { c.Buffer = time.Second })
	r, conv := e.open(t, "call-overflow")
	g := newToneGen()
	pace(t, 300, func(i int) {
		switch i {
		case 50:
			e.in.SetDown(true)
		case 250:
			e.in.SetDown(false)
		}
	}, func() error { return r.WriteFrame(g.next()) })
	if err := r.Close(relay.FinalMeta{}); !errors.Is(err, relay.ErrCloudUndelivered) {
		t.Fatalf("close: %v, want ErrCloudUndelivered", err)
	}
	rec, err := e.in.WaitRecording(waitCtx(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	n := checkStream(t, rec, g)
	rep := r.Report()
	lost := int(rep.Dropped.SamplesPerChannel)
	unconfirmed := int(math.Round(rep.UnconfirmedSeconds * 8000))
	gapped := g.n - n
	if rep.Status != relay.CloudIncomplete || lost == 0 || len(rep.Dropped.Intervals) == 0 || rep.Dropped.Intervals[0].Reason != "overflow" {
		t.Fatalf("report %+v", rep)
	}
	if gapped < lost || gapped > lost+unconfirmed || len(rec.Gaps) == 0 || !rec.Gaps[0].Discarded {
		t.Fatalf("ingest gaps %+v (%d samples); relay lost %d, unconfirmed %d", rec.Gaps, gapped, lost, unconfirmed)
	}
	var discards int
	for _, id := range rec.Sessions {
		s, _ := e.in.Session(id)
		discards += s.Discards
	}
	if discards == 0 {
		t.Fatal("no discarded message reached the ingest")
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_audio_dropped_seconds_total", "reason", "overflow"); math.Abs(got-float64(lost)/8000) > 1e-6 {
		t.Fatalf("dropped metric %v, report %v", got, float64(lost)/8000)
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_buffer_max_seconds"); got < 2 || got > 2.2 {
		t.Fatalf("buffer max %v, want the ring's 2.1 s (1 s buffer + 2 ping intervals + a frame)", got)
	}
	t.Logf("written %.2fs, in the WAV %.2fs, lost %.2fs, unconfirmed %.2fs, ingest gaps %+v",
		float64(g.n)/8000, float64(n)/8000, float64(lost)/8000, rep.UnconfirmedSeconds, rec.Gaps)
}

// TestCloudSinkCloseDuringOutage: the call ends while the ingest is down;
// Close keeps trying within its timeout and delivers the rest once the
// ingest is back.
func TestCloudSinkCloseDuringOutage(t *testing.T) {
	checkGoroutines(t)
	e := newCloudEnv(t, nil, nil)
	r, conv := e.open(t, "call-close-outage")
	g := newToneGen()
	pace(t, 100, func(i int) {
		if i == 50 {
			e.in.SetDown(true)
		}
	}, func() error { return r.WriteFrame(g.next()) })
	// The call ends during the outage: Close keeps reconnecting with the
	// audio buffered; the ingest comes back while it does.
	done := make(chan error, 1)
	go func() { done <- r.Close(relay.FinalMeta{}) }()
	e.in.SetDown(false)
	if err := <-done; err != nil {
		t.Fatalf("close: %v", err)
	}
	if rep := r.Report(); len(rep.Outages) != 1 || rep.Reconnects < 1 || rep.Status != relay.CloudDelivered {
		t.Fatalf("report %+v", rep)
	}
	rec, err := e.in.WaitRecording(waitCtx(t), conv)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkStream(t, rec, g); n != g.n {
		t.Fatalf("%d of %d samples", n, g.n)
	}
}

// TestCloudSinkServerDisconnect: the cloud ends the session: the relay
// stops streaming (no reconnect), counts the frames that still come, and
// Close reports it: no error for completed, ErrCloudDisconnected otherwise.
func TestCloudSinkServerDisconnect(t *testing.T) {
	checkGoroutines(t)
	e := newCloudEnv(t, nil, nil)
	ctx := waitCtx(t)
	for _, reason := range []audiohook.DisconnectReason{audiohook.DisconnectCompleted, audiohook.DisconnectError} {
		t.Run(string(reason), func(t *testing.T) {
			r, conv := e.open(t, "call-disconnect-"+string(reason))
			g := newToneGen()
			pace(t, 100, func(i int) {
				if i == 50 {
					ss := e.in.Sessions()
					if err := e.in.Disconnect(ctx, ss[len(ss)-1].ID, reason); err != nil {
						t.Errorf("disconnect: %v", err)
					}
				}
			}, func() error { return r.WriteFrame(g.next()) })
			err := r.Close(relay.FinalMeta{})
			if want := reason != audiohook.DisconnectCompleted; (err != nil) != want || (want && !errors.Is(err, relay.ErrCloudDisconnected)) {
				t.Fatalf("Close = %v", err)
			}
			rep := r.Report()
			if rep.Status != relay.CloudDisconnected || rep.EndReason != "disconnected:"+string(reason) ||
				rep.FramesAfterEnd < 40 || len(rep.Sessions) != 1 || rep.Reconnects != 0 {
				t.Fatalf("report %+v", rep)
			}
			rec, err := e.in.WaitRecording(ctx, conv)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkStream(t, rec, &toneGen{ext: g.ext, int: g.int, n: int(math.Round(rec.ReceivedSeconds * 8000))}); n < 7000 {
				t.Fatalf("%d samples before the disconnect", n)
			}
		})
	}
	if got := e.metric(t, "cogito_edge_relay_cloud_recordings_ended_total", "outcome", "disconnected"); got != 2 {
		t.Fatalf("ended{disconnected} %v", got)
	}
}
