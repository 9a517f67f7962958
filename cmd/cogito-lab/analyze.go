package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/lab/tone"
)

// runAnalyze reports a WAV's per-channel tone, RMS and duration and checks
// expectations such as "--expect 0:440 --expect 1:1000 --duration 10s".
func runAnalyze(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("analyze", stderr)
	var (
		expects    multiFlag
		candidates = fs.String("candidates", "", "tones to look for, e.g. 440,1000,2600 (default: find each channel's strongest)")
		duration   = fs.Duration("duration", 0, "expected duration of each expected tone (0: do not check)")
		tolerance  = fs.Float64("tolerance", 0.05, "allowed relative duration error")
		asJSON     = fs.Bool("json", false, "print the report as JSON")
	)
	fs.Var(&expects, "expect", "CHANNEL:HZ the channel's dominant tone must be (repeatable), e.g. 0:440")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: cogito-lab analyze [flags] FILE.wav\n\nExits 1 when an expectation fails.\n\nflags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	cands, err := parseFreqs(*candidates)
	if err != nil {
		return usageErr(stderr, "analyze", err)
	}
	var exp []tone.Expect
	for _, e := range expects {
		x, err := parseExpect(e, *duration, *tolerance)
		if err != nil {
			return usageErr(stderr, "analyze", err)
		}
		exp = append(exp, x)
		if len(*candidates) > 0 && !containsFreq(cands, x.Freq) {
			cands = append(cands, x.Freq)
		}
	}
	w, err := tone.ReadWAVFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab analyze: %v\n", err)
		return exitRuntime
	}
	if len(cands) == 0 && len(exp) > 0 {
		// Expectations name the tones to look for; a scan is only for
		// exploring an unknown file.
		for _, x := range exp {
			if !containsFreq(cands, x.Freq) {
				cands = append(cands, x.Freq)
			}
		}
	}
	rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: cands})
	checkErr := rep.Check(exp...)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		out := struct {
			tone.Report
			OK       bool     `json:"ok"`
			Failures []string `json:"failures,omitempty"`
		}{Report: rep, OK: checkErr == nil, Failures: failures(checkErr)}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "cogito-lab analyze: %v\n", err)
			return exitRuntime
		}
	} else {
		printAnalysis(stdout, pos[0], rep)
		for _, f := range failures(checkErr) {
			fmt.Fprintf(stdout, "FAIL %s\n", f)
		}
		if checkErr == nil && len(exp) > 0 {
			fmt.Fprintf(stdout, "OK %d expectations\n", len(exp))
		}
	}
	if checkErr != nil {
		return exitFailed
	}
	return exitOK
}

func printAnalysis(w io.Writer, name string, r tone.Report) {
	fmt.Fprintf(w, "%s: %d Hz, %d channels, %v\n", name, r.SampleRate, len(r.Channels), r.Duration)
	for _, c := range r.Channels {
		fmt.Fprintf(w, "channel %d: dominant %.0f Hz, rms %.4f (%.1f dBFS), active %v\n", c.Channel, c.Dominant, c.RMS, dbfs(c.RMS), c.Active)
		for _, t := range c.Tones {
			fmt.Fprintf(w, "  %6.0f Hz: amplitude %.4f, dominant for %v\n", t.Freq, t.Amplitude, t.Duration)
		}
	}
}

// parseExpect parses CHANNEL:HZ.
func parseExpect(s string, d time.Duration, tol float64) (tone.Expect, error) {
	ch, hz, ok := strings.Cut(s, ":")
	c, err1 := strconv.Atoi(ch)
	f, err2 := strconv.ParseFloat(hz, 64)
	if !ok || err1 != nil || err2 != nil || c < 0 || f <= 0 {
		return tone.Expect{}, fmt.Errorf("--expect %q: want CHANNEL:HZ such as 0:440", s)
	}
	return tone.Expect{Channel: c, Freq: f, Duration: d, Tolerance: tol}, nil
}

func containsFreq(fs []float64, f float64) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// failures splits a joined Check error into its lines.
func failures(err error) []string {
	if err == nil {
		return nil
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}
