package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/tone"
)

// labIngest is what the cloud's ingest got of a call.
type labIngest struct {
	conv     string
	rec      ahlab.Recording
	analysis tone.Report
	first    time.Duration // from the CTI start (ctiAt) to the first audio at the ingest
	samples  int           // per channel in the ingested WAV
}

// runHook plays Genesys Cloud streaming a conversation to the appliance's
// AudioHook server: the session opens paused (no CTI start yet) and the
// client's audio is discarded, until the CTI start injected at the cloud
// resumes it; then the tones stream for the call's duration.
func (cl *cloudLab) runHook(ctx context.Context, c *labCall) {
	c.agentID = "agent-genesys"
	conv := newUUID()
	key, err := callkey.Conversation(conv)
	if err != nil {
		c.fail("%v", err)
		return
	}
	c.key, c.keys = key.String(), []string{"conversation_id=" + conv}
	logPath := filepath.Join(c.dir, "player.log")
	logf, err := os.Create(logPath)
	if err != nil {
		c.fail("%v", err)
		return
	}
	defer logf.Close()
	c.files["player"] = logPath
	p, err := ahlab.NewPlayer(ahlab.PlayerConfig{
		URL: cl.hookURL, APIKey: labHookKey, Secret: cl.hookSecret, ConversationID: conv,
		Participant: audiohook.Participant{ANI: "+15551230000", ANIName: "Customer", DNIS: "+18005550100"},
		Source:      ahlab.Tones(customerTone, agentTone, labHookPaused+c.sent),
		Logger:      slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		c.fail("%v", err)
		return
	}
	type result struct {
		rep ahlab.PlayerReport
		err error
	}
	done := make(chan result, 1)
	opened := time.Now()
	go func() {
		rep, err := p.Run(ctx)
		done <- result{rep, err}
	}()
	defer func() {
		res := <-done // the player ends with its source, or with ctx
		c.hook = &res.rep
		if res.err != nil {
			c.fail("Genesys client: %v", res.err)
		}
		c.sent = res.rep.AudioSent
		cl.waitRecording(ctx, c)
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pending, err := cl.edge.WaitCall(wctx, edgeproc.HasKey(c.key, "pending"))
	if err != nil {
		c.fail("the appliance never listed %s pending: %v", c.key, err)
		return
	}
	c.session, c.pendingIn = pending.ID, time.Since(opened)
	if err := p.Wait(wctx, func(r ahlab.PlayerReport) bool { return r.AudioDiscarded >= labHookPaused || r.Outcome != "" }); err != nil {
		c.fail("the Genesys client never streamed while paused: %v", err)
		return
	}
	ev := cti.Event{Type: cti.Start, ConversationID: conv, Direction: c.direction, AgentID: c.agentID, At: time.Now().UTC()}
	c.ctiAt = time.Now()
	if c.cti, err = cl.postCTI(ctx, c, ev); err != nil {
		c.fail("%v", err)
	}
}

// verifyHook checks an AudioHook call: paused until the CTI start, then
// recorded, exactly the audio sent after the resume.
func (cl *cloudLab) verifyHook(c *labCall) {
	add := func(name string, ok bool, format string, args ...any) {
		c.checks = append(c.checks, check{name, ok, fmt.Sprintf(format, args...)})
	}
	h := c.hook
	add("call completed", len(c.errs) == 0, "%s", strings.Join(c.errs, "; "))
	if h == nil {
		return
	}
	add("Genesys client closed the session", h.Outcome == "closed", "outcome %q, %v sent, %v discarded while paused", h.Outcome, h.AudioSent, h.AudioDiscarded)
	resumed := len(h.ResumedAt) == 1 && !c.ctiAt.IsZero() && !h.ResumedAt[0].Before(c.ctiAt)
	detail := fmt.Sprintf("opened paused %v, resumed %d times", h.OpenedPaused, len(h.ResumedAt))
	if resumed {
		detail = fmt.Sprintf("opened paused, %v discarded, resumed %v after %s", h.AudioDiscarded, h.ResumedAt[0].Sub(c.ctiAt).Round(100*time.Microsecond), c.via())
	}
	add("paused until the CTI start, resumed by it", h.OpenedPaused && resumed && len(h.PausedAt) == 0, "%s", detail)
	add("CTI start matched the session", c.cti.Outcome == "matched" && slices.Contains(c.cti.Applied, c.session),
		"outcome %q, applied to %v", c.cti.Outcome, c.cti.Applied)
	m := c.rec.Manifest
	add("recording closed", c.rec.Complete(), "status %q, end %q", m.Status, m.EndReason)
	if c.rec.WAV == "" {
		return
	}
	hasKey := slices.ContainsFunc(m.Keys.Keys(), func(k callkey.Key) bool { return k.String() == c.key })
	add("manifest names the call", hasKey && m.Direction == string(c.direction) && m.AgentID == c.agentID,
		"key %s %v, direction %q, agent %q", c.key, hasKey, m.Direction, m.AgentID)
	w, err := tone.ReadWAVFile(c.rec.WAV)
	if err != nil {
		add("WAV readable", false, "%v", err)
		return
	}
	c.analysis = tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerTone, agentTone}})
	r := c.analysis
	stereo := len(r.Channels) == 2 && r.SampleRate == tone.SampleRate
	add("stereo 8 kHz", stereo, "%d channels, %d Hz", len(r.Channels), r.SampleRate)
	if !stereo {
		return
	}
	toneErr := r.Check(tone.Expect{Channel: 0, Freq: customerTone, Duration: h.AudioSent, Tolerance: durationTolerance},
		tone.Expect{Channel: 1, Freq: agentTone, Duration: h.AudioSent, Tolerance: durationTolerance})
	add("channel 0 customer, channel 1 agent, duration within 5%", toneErr == nil, "%s",
		orOK(toneErr, fmt.Sprintf("recorded %v / %v", toneTime(r, 0, customerTone), toneTime(r, 1, agentTone))))
	got := time.Duration(m.SamplesPerChannel) * time.Second / tone.SampleRate
	add("the recording is exactly the audio sent after the resume", got == h.AudioSent, "recorded %v, sent %v", got, h.AudioSent)
}

// verifyIngest checks what the cloud's ingest made of a call: the same
// audio as the local recording (sink both), sample for sample, no gap.
func (cl *cloudLab) verifyIngest(ctx context.Context, c *labCall) {
	add := func(name string, ok bool, format string, args ...any) {
		c.checks = append(c.checks, check{name, ok, fmt.Sprintf(format, args...)})
	}
	if c.session == "" || c.rec.WAV == "" {
		add("the cloud ingested it", false, "no local recording to compare with")
		return
	}
	in := &labIngest{conv: relay.ConversationID(labCloudApplianceID, relay.RecordingMeta{SessionID: c.session, Keys: c.rec.Manifest.Keys})}
	c.ingest = in
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	rec, err := cl.sim.WaitRecording(rctx, in.conv)
	add("the cloud ingested it (AudioHook through the tunnel)", err == nil && rec.EndReason == "end",
		"conversation %s: %s", in.conv, orOK(err, fmt.Sprintf("%d AudioHook session(s), end %q", len(rec.Sessions), rec.EndReason)))
	if err != nil {
		return
	}
	in.rec = rec
	if first, ok := cl.sim.FirstAudio(in.conv); ok && !c.ctiAt.IsZero() {
		in.first = first.Sub(c.ctiAt)
		add("first audio at the cloud within 2 s of the CTI start", in.first > 0 && in.first < 2*time.Second, "%v after %s", in.first.Round(100*time.Microsecond), c.via())
	}
	w, err := tone.ReadWAVFile(rec.WAV)
	if err != nil {
		add("ingested WAV readable", false, "%v", err)
		return
	}
	in.analysis = tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerTone, agentTone, earlyTone}})
	r := in.analysis
	if len(r.Channels) != 2 || r.SampleRate != tone.SampleRate {
		add("ingested: stereo 8 kHz", false, "%d channels, %d Hz", len(r.Channels), r.SampleRate)
		return
	}
	in.samples = len(w.Channels[0])
	toneErr := r.Check(tone.Expect{Channel: 0, Freq: c.tones[0], Duration: c.sent, Tolerance: durationTolerance},
		tone.Expect{Channel: 1, Freq: c.tones[1], Duration: c.sent, Tolerance: durationTolerance})
	add("ingested: channel 0 customer, channel 1 agent, duration within 5%", toneErr == nil, "%s",
		orOK(toneErr, fmt.Sprintf("sent %v, ingested %v / %v", c.sent, toneTime(r, 0, c.tones[0]), toneTime(r, 1, c.tones[1]))))
	add("ingested: no gap", len(rec.Gaps) == 0, "%d gaps, %.2fs received", len(rec.Gaps), rec.ReceivedSeconds)
	local, err := tone.ReadWAVFile(c.rec.WAV)
	if err != nil {
		add("ingested = the local recording", false, "%v", err)
		return
	}
	diff := samplesDiffer(local, w)
	add("ingested = the local recording, sample for sample (PCMU)", diff == "", "%s",
		orOK(errorIf(diff), fmt.Sprintf("%d samples per channel", in.samples)))
}

// samplesDiffer compares a local recording with its ingested copy, which
// crossed the wire as PCMU: "" when every sample is the same.
func samplesDiffer(local, ingested *tone.WAV) string {
	if len(local.Channels) != 2 || len(ingested.Channels) != 2 {
		return "not both stereo"
	}
	if a, b := len(local.Channels[0]), len(ingested.Channels[0]); a != b {
		return fmt.Sprintf("%d samples per channel recorded, %d ingested", a, b)
	}
	for ch := range 2 {
		for i, v := range local.Channels[ch] {
			if want := tone.ULawToLinear(tone.LinearToULaw(v)); ingested.Channels[ch][i] != want {
				return fmt.Sprintf("channel %d sample %d: ingested %d, recorded %d", ch, i, ingested.Channels[ch][i], want)
			}
		}
	}
	return ""
}

func errorIf(s string) error {
	if s == "" {
		return nil
	}
	return fmt.Errorf("%s", s)
}

// Cloud appliance metrics the lab reports (short names).
var labCloudMetrics = []string{
	"tunnel_up",
	"tunnel_handshake_attempts_total",
	"tunnel_handshake_failures_total",
	"control_connected",
	"control_reconnects_total",
	"control_cti_events_total",
	"relay_cloud_sessions_opened_total",
	"relay_cloud_reconnects_total",
	"relay_cloud_recordings_ended_total",
	"relay_cloud_frames_sent_total",
	"relay_cloud_bytes_sent_total",
	"relay_cloud_audio_dropped_seconds_total",
	"relay_cloud_buffer_max_seconds",
}

// checkCloud checks the cloud part as a whole, then stops the appliance
// and the simulated cloud.
func (cl *cloudLab) checkCloud(ctx context.Context, calls []*labCall) []check {
	var cs []check
	add := func(name string, ok bool, format string, args ...any) {
		cs = append(cs, check{name, ok, fmt.Sprintf(format, args...)})
	}
	m, err := cl.edge.Metrics(ctx)
	if err != nil {
		add("metrics scraped", false, "%v", err)
		return cs
	}
	fmt.Fprintf(cl.w, "\n== cloud appliance metrics (%s/metrics) ==\n", cl.edge.AdminURL())
	for _, short := range labCloudMetrics {
		name := m.Name(short)
		for _, s := range m {
			if s.Name == name && s.Value != 0 {
				fmt.Fprintf(cl.w, "  %-78s %s\n", s.Key(), fmtValue(s.Value))
			}
		}
	}
	n := float64(len(calls))
	delivered := m.Edge("relay_cloud_recordings_ended_total", "outcome", "delivered")
	add("every recording delivered to the cloud", delivered == n, "%.0f delivered of %d calls", delivered, len(calls))
	dropped := m.Edge("relay_cloud_audio_dropped_seconds_total")
	add("no audio dropped on the way to the cloud", dropped == 0, "%.3fs dropped", dropped)
	matched := m.Edge("control_cti_events_total", "outcome", "matched")
	add("CTI starts came over the control channel", matched == n, "%.0f matched for %d calls", matched, len(calls))
	cs = append(cs, cl.checkGenesys(calls, m)...)
	_, err = cl.edge.CTI(ctx, cti.Event{Type: cti.Start, ConversationID: newUUID()})
	add("no admin-API shortcut: cti.source cloud refuses POST /v1/cti", err != nil, "%s", orOK(err, "accepted"))
	add("tunnel and control channel up", m.Edge("tunnel_up") == 1 && m.Edge("control_connected") == 1,
		"tunnel_up %.0f, control_connected %.0f", m.Edge("tunnel_up"), m.Edge("control_connected"))
	logs, err := cl.edge.Logs()
	if err != nil {
		add("log readable", false, "%v", err)
	} else {
		var errs []string
		for _, ln := range logs {
			if ln.Level == "ERROR" {
				errs = append(errs, ln.Raw)
			}
		}
		for _, s := range errs[:min(len(errs), 10)] {
			fmt.Fprintf(cl.w, "  ERROR %s\n", s)
		}
		add("no errors logged", len(errs) == 0, "%d ERROR lines in %s", len(errs), cl.edge.LogPath())
	}
	stopAt := time.Now()
	err = cl.edge.Stop()
	add("appliance stops cleanly on SIGTERM", err == nil, "%s", orOK(err, fmt.Sprintf("exit status 0 after %v", time.Since(stopAt).Round(time.Millisecond))))
	err = cl.sim.Close()
	add("cloud simulator closes cleanly", err == nil, "%s", orOK(err, fmt.Sprintf("%d recordings ingested in %s", len(cl.sim.Ingest().Recordings()), cl.ingestDir)))
	return cs
}
