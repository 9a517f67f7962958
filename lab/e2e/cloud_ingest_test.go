package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/cloudsim"
	"github.com/cogito/cogito-edge/lab/sipp"
	"github.com/cogito/cogito-edge/lab/tone"
)

// TestCloudIngestSIPp is the whole cloud path with a real SBC's SIPREC
// (issues 4 and 5): SIPp plays an Oracle SBC calling the appliance
// (cti.source cloud, sink cloud: no local copy), the CTI start is injected
// at the cloud simulator's API once the appliance announced the call, the
// appliance re-INVITEs and relays the call as AudioHook through the
// netstack WireGuard tunnel to the cloud's ingest, whose stereo WAV has the
// customer's 440 Hz on channel 0 and the agent's 1000 Hz on channel 1 for
// the audio sent ±5%, and none of the early media.
func TestCloudIngestSIPp(t *testing.T) {
	skipWithoutSIPp(t)
	t.Parallel()
	ce := startCloudEdge(t, cloudOptions{sink: config.SinkCloud})
	waitFor(t, 15*time.Second, "the appliance on the control channel", func() bool { _, ok := ce.appliance(); return ok })
	c, _, wait := startSIPp(t, ce.edge, sipp.Inbound, "tcp", [2]float64{customerHz, agentHz}, 7)

	key := mustKey(callkey.UCID(c.UCID))
	pending := ce.waitCall(key, "pending", 20*time.Second)
	waitFor(t, 10*time.Second, "the call announced to the cloud", func() bool { return ce.holds(key) })
	waitFor(t, 10*time.Second, "early media dropped as inactive", func() bool {
		return ce.counter("cogito_edge_media_packets_dropped_total", map[string]string{"reason": "inactive"}) >= 30
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := ce.inject(ctx, cti.Event{Type: cti.Start, UCID: c.UCID, Direction: cti.Inbound, AgentID: "agent-sipp"})
	if err != nil || d.Route != cloudsim.RouteKeys || len(d.Results) != 1 || d.Results[0].Outcome != "matched" {
		t.Fatalf("CTI start at the cloud: %+v, %v", d, err)
	}
	wait()

	rec := ce.ingested(ce.conversation(pending.ID, pending.Keys))
	checkIngested(t, rec, legsFor, "")
	w, err := tone.ReadWAVFile(rec.WAV)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz, earlyHz}}).Channels {
		if lvl, ok := ch.Tone(earlyHz); ok && lvl.Duration > 0 {
			t.Errorf("ingested channel %d holds %v of the early %d Hz tone sent before the match", ch.Channel, lvl.Duration, earlyHz)
		}
	}
	if m := rec.Manifest; len(m.Participants) == 0 || m.Participants[0].Role != "external" {
		t.Errorf("ingested participants %+v: want the customer (ani from the SIPREC metadata) on external", m.Participants)
	}
	if n := ce.counter("cogito_edge_relay_cloud_recordings_ended_total", map[string]string{"outcome": "delivered"}); n != 1 {
		t.Errorf("relay recordings delivered: %v", n)
	}
}

// TestCloudRelayKilled cuts the relay's AudioHook connection at the
// cloud's ingest in the middle of a call: the relay is back with a
// continued session in well under 10 s, resends what the cloud had not
// acknowledged, and the ingested recording has no gap and is, sample for
// sample, the appliance's local one (sink both).
func TestCloudRelayKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	t.Parallel()
	const d = 6 * time.Second
	ce := startCloudEdge(t, cloudOptions{sink: config.SinkBoth})
	waitFor(t, 15*time.Second, "the appliance on the control channel", func() bool { _, ok := ce.appliance(); return ok })

	var injected sync.Map
	activated := make(chan string, 1)
	calls := make(chan callgen.Report, 1)
	go func() {
		cfg := callgen.Config{Duration: d, Target: ce.sip("tcp"), OnAnswered: ce.injectOnAnswer(&injected),
			OnActivated: func(_ context.Context, c *callgen.Call) { activated <- c.CallID() }}
		rep, _ := callgen.Run(context.Background(), cfg)
		calls <- rep
	}()
	var conv string
	select {
	case id := <-activated:
		live := ce.waitCall(mustKey(callkey.CallID(id)), "active", 5*time.Second)
		conv = ce.conversation(live.ID, live.Keys)
	case <-time.After(30 * time.Second):
		t.Fatal("the call was never activated")
	}
	// Mid-call: 2 s of the call's audio at the ingest.
	waitFor(t, 5*time.Second, "2 s of audio at the ingest", func() bool {
		ss := ce.sim.Ingest().Sessions()
		return len(ss) == 1 && ss[0].ConversationID == conv && ss[0].AudioSeconds >= 2
	})
	first, _ := ce.sim.FirstAudio(conv)
	killedAt := time.Now()
	if n := ce.sim.KillRelay(conv); n != 1 {
		t.Fatalf("killed %d relay connections, want 1", n)
	}
	var back time.Duration
	waitFor(t, 10*time.Second, "a continued session with audio at the ingest", func() bool {
		for _, s := range ce.sim.Ingest().Sessions() {
			if s.ConversationID == conv && s.Continued && !s.FirstAudio.IsZero() {
				back = s.Opened.Sub(killedAt)
				return true
			}
		}
		return false
	})

	rep := <-calls
	if rep.Completed != 1 {
		t.Fatalf("the call did not complete: %v", rep.Errors)
	}
	r := rep.Results[0]
	m := checkRecording(t, ce.edge, r, d)
	_, wav := ce.recordingByKey(callKey(r.Keys), time.Second)
	rec := ce.ingested(conv)
	ing := checkIngested(t, rec, d, wav)
	cr := localCloudReport(t, wav)
	if cr.Status != relay.CloudDelivered || cr.Reconnects < 1 || len(cr.Sessions) < 2 || !cr.Sessions[1].Continued ||
		cr.Dropped.SamplesPerChannel != 0 {
		t.Errorf("relay report: %+v", cr)
	}
	if len(ing.AudioHook.Sessions) < 2 || !ing.AudioHook.Sessions[1].Continued {
		t.Errorf("ingest sessions %+v: want the killed one continued", ing.AudioHook.Sessions)
	}
	if got, want := ing.AudioHook.ReceivedSeconds, float64(m.SamplesPerChannel)/relay.SampleRate; got != want {
		t.Errorf("ingest received %.3fs, the appliance recorded %.3fs", got, want)
	}
	t.Logf("relay killed %v into the call: continued session open %v later; %d sessions, %.2fs resent, %.3fs duplicates skipped by the ingest, %d gaps; %d samples per channel, local and ingested alike",
		killedAt.Sub(first).Round(time.Millisecond), back.Round(time.Millisecond), len(cr.Sessions), cr.ResentSeconds,
		rec.DuplicateSeconds, len(rec.Gaps), m.SamplesPerChannel)
}
