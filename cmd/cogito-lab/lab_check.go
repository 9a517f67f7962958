package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/tone"
)

// durationTolerance is how far a recorded tone may be from the audio sent.
const durationTolerance = 0.05

// verify checks one call's recording against what was sent.
func (l *lab) verify(_ context.Context, c *labCall) {
	add := func(name string, ok bool, format string, args ...any) {
		c.checks = append(c.checks, check{name, ok, fmt.Sprintf(format, args...)})
	}
	add("call completed", len(c.errs) == 0, "%s", strings.Join(c.errs, "; "))
	add("held pending (inactive) until the CTI start", c.session != "", "session %s", orDash(c.session))
	if c.session == "" {
		return
	}
	add("CTI start matched the session", c.cti.Outcome == "matched" && slices.Contains(c.cti.Applied, c.session),
		"outcome %q, applied to %v", c.cti.Outcome, c.cti.Applied)
	if c.early > 0 {
		want := uint64(2 * c.early)
		add("early media dropped while pending", c.drops >= want,
			"%d of %d early %.0f Hz packets dropped \"inactive\"", c.drops, want, float64(earlyTone))
	}
	m := c.rec.Manifest
	add("recording closed", c.rec.Complete(), "status %q, end %q", m.Status, m.EndReason)
	if c.rec.WAV == "" {
		return
	}
	keys := make([]string, 0, m.Keys.Len())
	for _, k := range m.Keys.Keys() {
		keys = append(keys, k.String())
	}
	add("manifest names the call", slices.Contains(keys, c.key) && m.Direction == string(c.direction) && m.AgentID == c.agentID,
		"keys %v, direction %q, agent %q", keys, m.Direction, m.AgentID)
	w, err := tone.ReadWAVFile(c.rec.WAV)
	if err != nil {
		add("WAV readable", false, "%v", err)
		return
	}
	c.analysis = tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerTone, agentTone, earlyTone}})
	r := c.analysis
	stereo := len(r.Channels) == 2 && r.SampleRate == tone.SampleRate
	add("stereo 8 kHz", stereo, "%d channels, %d Hz", len(r.Channels), r.SampleRate)
	if !stereo {
		return
	}
	mapErr := r.Check(tone.Expect{Channel: 0, Freq: c.tones[0]}, tone.Expect{Channel: 1, Freq: c.tones[1]})
	add("channel 0 customer, channel 1 agent", mapErr == nil, "%s", orOK(mapErr, fmt.Sprintf("channel 0 %.0f Hz, channel 1 %.0f Hz", r.Channels[0].Dominant, r.Channels[1].Dominant)))
	durErr := r.Check(tone.Expect{Channel: 0, Freq: c.tones[0], Duration: c.sent, Tolerance: durationTolerance},
		tone.Expect{Channel: 1, Freq: c.tones[1], Duration: c.sent, Tolerance: durationTolerance})
	d0, d1 := toneTime(r, 0, c.tones[0]), toneTime(r, 1, c.tones[1])
	add("duration within 5% of the audio sent", durErr == nil, "sent %v, recorded %v / %v", c.sent, d0, d1)
	e0, e1 := toneTime(r, 0, earlyTone), toneTime(r, 1, earlyTone)
	add("no early 2600 Hz in the recording", e0 == 0 && e1 == 0, "2600 Hz dominant for %v / %v", e0, e1)
	var bad []string
	for _, s := range m.Streams {
		if s.Lost != 0 || s.Packets != c.sentPkts[s.Channel] {
			bad = append(bad, fmt.Sprintf("%s: %d received of %d sent, %d lost", s.Channel, s.Packets, c.sentPkts[s.Channel], s.Lost))
		}
	}
	if len(m.Streams) != 2 {
		bad = append(bad, fmt.Sprintf("%d streams in the manifest", len(m.Streams)))
	}
	add("every packet received", len(bad) == 0, "%s", strings.Join(bad, "; "))
}

// toneTime is how long freq dominates channel ch.
func toneTime(r tone.Report, ch int, freq float64) time.Duration {
	if ch >= len(r.Channels) {
		return 0
	}
	t, _ := r.Channels[ch].Tone(freq)
	return t.Duration
}

func orOK(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Appliance metrics the lab reports (short names, see edgeproc.Metrics.Name).
var labMetrics = []string{
	"gate_sessions",
	"gate_transitions_total",
	"gate_cti_events_total",
	"gate_activation_latency_seconds_count",
	"gate_activation_latency_seconds_sum",
	"sip_requests_total",
	"sip_our_reinvites_total",
	"media_packets_received_total",
	"media_packets_dropped_total",
	"media_sessions",
	"media_ports_used",
	"relay_local_recordings_opened_total",
	"relay_local_dropped_samples_total",
	"relay_local_errors_total",
}

// checkAppliance reads the appliance's metrics and log after the calls and
// prints them; the checks are about the whole run.
func (l *lab) checkAppliance(ctx context.Context, calls []*labCall) []check {
	w := l.w
	var cs []check
	add := func(name string, ok bool, format string, args ...any) {
		cs = append(cs, check{name, ok, fmt.Sprintf(format, args...)})
	}
	// Sessions end with the BYE; wait briefly for the gauges to settle.
	var m edgeproc.Metrics
	deadline := time.Now().Add(3 * time.Second)
	for {
		var err error
		m, err = l.edge.Metrics(ctx)
		if err != nil {
			add("metrics scraped", false, "%v", err)
			return cs
		}
		if m.Edge("gate_sessions")+m.Edge("media_sessions") == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	fmt.Fprintf(w, "\n== appliance metrics (%s/metrics) ==\n", l.edge.AdminURL())
	for _, short := range labMetrics {
		name := m.Name(short)
		for _, s := range m {
			if s.Name == name && s.Value != 0 {
				fmt.Fprintf(w, "  %-78s %s\n", s.Key(), fmtValue(s.Value))
			}
		}
	}
	fmt.Fprintf(w, "  live sessions now: %s; media sessions %.0f, ports in use %.0f\n",
		byLabelText(m.ByLabel(m.Name("gate_sessions"), "state")), m.Edge("media_sessions"), m.Edge("media_ports_used"))
	fmt.Fprintf(w, "  media drops by reason: %s\n", byLabelText(m.ByLabel(m.Name("media_packets_dropped_total"), "reason")))
	if n := m.Edge("gate_activation_latency_seconds_count"); n > 0 {
		fmt.Fprintf(w, "  activation latency (offer to first activation, CTI wait included): mean %v over %.0f sessions\n",
			time.Duration(m.Edge("gate_activation_latency_seconds_sum")/n*float64(time.Second)).Round(time.Millisecond), n)
	}

	var early uint64
	for _, c := range calls {
		early += uint64(2 * c.early)
	}
	drops := m.ByLabel(m.Name("media_packets_dropped_total"), "reason")
	if early > 0 {
		add("early packets counted as dropped \"inactive\"", uint64(drops["inactive"]) >= early,
			"dropped{reason=\"inactive\"} %.0f, SIPp sent %d early packets", drops["inactive"], early)
	}
	var other []string
	for reason, v := range drops {
		if reason != "inactive" && v != 0 {
			other = append(other, fmt.Sprintf("%s %.0f", reason, v))
		}
	}
	sort.Strings(other)
	add("no packet dropped for another reason", len(other) == 0, "%s", strings.Join(other, ", "))
	opened := m.Edge("relay_local_recordings_opened_total")
	add("one recording per call", int(opened) == len(calls), "%.0f recordings opened for %d calls", opened, len(calls))
	live := m.Edge("gate_sessions") + m.Edge("media_sessions") + m.Edge("media_ports_used")
	add("no session left behind", live == 0, "gate sessions %.0f, media sessions %.0f, ports in use %.0f",
		m.Edge("gate_sessions"), m.Edge("media_sessions"), m.Edge("media_ports_used"))
	lost := m.Edge("relay_local_dropped_samples_total") + m.Edge("relay_local_errors_total")
	add("recordings written in full", lost == 0, "dropped samples and write errors: %.0f", lost)

	logs, err := l.edge.Logs()
	if err != nil {
		add("log readable", false, "%v", err)
		return cs
	}
	var warns, errs, raw []string
	for _, ln := range logs {
		switch ln.Level {
		case "WARN":
			warns = append(warns, ln.Msg)
		case "ERROR":
			errs = append(errs, ln.Raw)
		case "":
			raw = append(raw, ln.Raw)
		}
	}
	fmt.Fprintf(w, "\n== appliance log (%s): %d lines, %d warnings, %d errors, %d not JSON ==\n", l.edge.LogPath(), len(logs), len(warns), len(errs), len(raw))
	for _, s := range summarize(warns) {
		fmt.Fprintf(w, "  WARN  %s\n", s)
	}
	for _, s := range raw[:min(len(raw), 10)] {
		fmt.Fprintf(w, "  TEXT  %s\n", s)
	}
	for _, s := range errs[:min(len(errs), 10)] {
		fmt.Fprintf(w, "  ERROR %s\n", s)
	}
	add("no errors logged", len(errs) == 0, "%d ERROR lines", len(errs))
	return cs
}

// summarize counts repeated messages: "msg (x3)".
func summarize(msgs []string) []string {
	counts := map[string]int{}
	var order []string
	for _, m := range msgs {
		if counts[m] == 0 {
			order = append(order, m)
		}
		counts[m]++
	}
	out := make([]string, 0, len(order))
	for _, m := range order {
		if counts[m] > 1 {
			m = fmt.Sprintf("%s (x%d)", m, counts[m])
		}
		out = append(out, m)
	}
	return out
}

func fmtValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.6g", v)
}

// byLabelText renders label values and counts, sorted: "a 1, b 0".
func byLabelText(m map[string]float64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + fmtValue(m[k])
	}
	return strings.Join(parts, ", ")
}
