package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// printCall writes one call's section of the lab report.
func printCall(w io.Writer, c *labCall) {
	fmt.Fprintf(w, "\n== call %d: %s ==\n", c.n, c.title)
	fmt.Fprintf(w, "  direction  %s, agent %s; keys %s\n", c.direction, c.agentID, strings.Join(c.keys, " "))
	if c.session != "" {
		fmt.Fprintf(w, "  session    %s (listed pending %v after the tool started", c.session, c.pendingIn.Round(time.Millisecond))
		if c.early > 0 {
			fmt.Fprintf(w, "; %d early packets dropped \"inactive\"", c.drops)
		}
		fmt.Fprintln(w, ")")
	}
	m := c.rec.Manifest
	if !c.ctiAt.IsZero() {
		fmt.Fprintf(w, "  CTI start  %s -> %s", c.key, orDash(c.cti.Outcome))
		if !m.Times.Activated.IsZero() {
			fmt.Fprintf(w, "; activated %v after %s (offer to active %v)", m.Times.Activated.Sub(c.ctiAt).Round(100*time.Microsecond),
				c.via(), m.Times.Activated.Sub(m.Times.Offered).Round(time.Millisecond))
		}
		if !c.sbcActive.IsZero() {
			fmt.Fprintf(w, "; SBC streaming %v after %s", c.sbcActive.Sub(c.ctiAt).Round(100*time.Microsecond), c.via())
		}
		fmt.Fprintln(w)
	}
	if c.rec.WAV != "" {
		fmt.Fprintf(w, "  recording  %s\n             %s (status %s, end %s)\n", c.rec.WAV, c.rec.JSON, m.Status, orDash(m.EndReason))
	}
	for _, ch := range c.analysis.Channels {
		role := "customer"
		if ch.Channel == 1 {
			role = "agent"
		}
		var tones []string
		for _, t := range ch.Tones {
			tones = append(tones, fmt.Sprintf("%.0f Hz %v", t.Freq, t.Duration))
		}
		fmt.Fprintf(w, "  channel %d  %s (want %.0f Hz): dominant %.0f Hz; %s\n", ch.Channel, role, c.tones[ch.Channel], ch.Dominant, strings.Join(tones, ", "))
	}
	if c.rec.WAV != "" {
		fmt.Fprintf(w, "  duration   sent %v per leg; recorded tone %v / %v; WAV %.2fs (until the BYE)\n",
			c.sent, toneTime(c.analysis, 0, c.tones[0]), toneTime(c.analysis, 1, c.tones[1]), m.DurationSeconds)
		for _, s := range m.Streams {
			srtp := ""
			if s.SRTP {
				srtp = ", SRTP"
			}
			fmt.Fprintf(w, "  stream     %-8s label %s %s%s: %d received / %d sent, %d lost, jitter %.2f ms\n",
				s.Channel, s.Label, s.Codec, srtp, s.Packets, c.sentPkts[s.Channel], s.Lost, s.JitterMS)
		}
	}
	if h := c.hook; h != nil {
		fmt.Fprintf(w, "  genesys    AudioHook %s, opened paused %v: %v discarded while paused, %v streamed after the resume; %s\n",
			orDash(h.Media), h.OpenedPaused, h.AudioDiscarded, h.AudioSent, orDash(h.Outcome))
	}
	if in := c.ingest; in != nil && in.rec.WAV != "" {
		fmt.Fprintf(w, "  cloud      %s\n             %s (%d AudioHook session(s), %.2fs received, %d gaps, end %s)\n",
			in.rec.WAV, in.rec.JSON, len(in.rec.Sessions), in.rec.ReceivedSeconds, len(in.rec.Gaps), orDash(in.rec.EndReason))
		if len(in.analysis.Channels) == 2 {
			fmt.Fprintf(w, "  ingested   channel 0 %.0f Hz %v, channel 1 %.0f Hz %v; %d samples per channel; first audio %v after %s\n",
				in.analysis.Channels[0].Dominant, toneTime(in.analysis, 0, c.tones[0]), in.analysis.Channels[1].Dominant,
				toneTime(in.analysis, 1, c.tones[1]), in.samples, in.first.Round(100*time.Microsecond), c.via())
		}
	}
	for name, p := range c.files {
		fmt.Fprintf(w, "  %-10s %s\n", name+" log", p)
	}
	printChecks(w, "", c.checks)
}

// printChecks writes verdicts, one a line.
func printChecks(w io.Writer, title string, cs []check) {
	if title != "" {
		fmt.Fprintf(w, "\n== %s checks ==\n", title)
	}
	for _, c := range cs {
		verdict := "ok  "
		if !c.ok {
			verdict = "FAIL"
		}
		detail := ""
		if c.detail != "" {
			detail = ": " + c.detail
		}
		fmt.Fprintf(w, "  %s %s%s\n", verdict, c.name, detail)
	}
}

// printSummary writes the verdict line.
func printSummary(w io.Writer, r *labResult, elapsed time.Duration) {
	var failed []string
	for _, c := range r.calls {
		if !c.ok() {
			failed = append(failed, fmt.Sprintf("call %d", c.n))
		}
	}
	if !allOK(r.global) {
		failed = append(failed, "appliance checks")
	}
	if !allOK(r.cloud) {
		failed = append(failed, "cloud path checks")
	}
	fmt.Fprintln(w)
	for _, s := range r.skipped {
		fmt.Fprintf(w, "SKIPPED %s\n", s)
	}
	if len(failed) == 0 {
		fmt.Fprintf(w, "PASS: %d calls recorded and verified in %v\n", len(r.calls), elapsed.Round(100*time.Millisecond))
		return
	}
	fmt.Fprintf(w, "FAIL: %s (%d calls in %v)\n", strings.Join(failed, ", "), len(r.calls), elapsed.Round(100*time.Millisecond))
}

// via names what the call's ctiAt is the time of.
func (c *labCall) via() string {
	if c.ctiVia == "" {
		return "the POST"
	}
	return c.ctiVia
}
