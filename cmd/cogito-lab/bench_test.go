package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBenchSmoke runs one tiny step (5 calls) of the bench against a
// freshly built appliance, with the baseline.
func TestBenchSmoke(t *testing.T) {
	bin := edgeBinary(t)
	var out strings.Builder
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	o := benchOptions{edge: bin, start: 5, step: 5, max: 5, hold: 2 * time.Second, window: time.Second,
		baseWindow: time.Second, rate: 50, baseline: true, logLevel: "info"}
	res, err := runBenchSteps(ctx, o, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.rows) != 1 {
		t.Fatalf("%d rows", len(res.rows))
	}
	r := res.rows[0]
	if !r.clean() || r.sent == 0 || r.recv != r.sent || r.edgeCPU < 0 || r.rss == 0 || r.window <= 0 {
		t.Fatalf("row %+v", r)
	}
	// CPU is sampled in clock ticks (10 ms); a 1 s window at 500 pps may
	// honestly read 0, so only the packet rate is required to be seen.
	if r.base == nil || r.base.pps <= 0 || r.base.cpu < 0 {
		t.Fatalf("baseline %+v", r.base)
	}
	for _, s := range []string{"calls  pps sent", "highest step with zero loss: 5 calls", "NOT reached"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q", s)
		}
	}
}

func TestBenchFlags(t *testing.T) {
	tests := map[string]struct {
		args []string
		code int
		out  string
	}{
		"help":          {[]string{"help", "bench"}, exitOK, "-baseline"},
		"start > max":   {[]string{"bench", "--start", "10", "--max", "5"}, exitUsage, ""},
		"zero step":     {[]string{"bench", "--step", "0"}, exitUsage, ""},
		"short hold":    {[]string{"bench", "--hold", "10ms"}, exitUsage, ""},
		"no rate":       {[]string{"bench", "--rate", "0"}, exitUsage, ""},
		"stray":         {[]string{"bench", "x"}, exitUsage, ""},
		"missing edge":  {[]string{"bench", "--edge", "/nonexistent/cogito-edge", "--start", "1", "--max", "1"}, exitRuntime, ""},
		"help udpsink":  {[]string{"help", "udpsink"}, exitOK, "-sockets"},
		"bad udpsink":   {[]string{"udpsink", "--sockets", "0"}, exitUsage, ""},
		"bad sink addr": {[]string{"udpsink", "--ip", "nope"}, exitUsage, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCLI(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
		})
	}
}

func TestBenchRow(t *testing.T) {
	tests := map[string]struct {
		row   benchRow
		lost  uint64
		clean bool
	}{
		"clean":           {benchRow{calls: 2, activated: 2, sent: 100, recv: 100}, 0, true},
		"lost":            {benchRow{calls: 2, activated: 2, sent: 100, recv: 97}, 3, false},
		"generator gaps":  {benchRow{calls: 2, activated: 2, sent: 100, recv: 100, lostSeq: 2}, 0, true},
		"generator stall": {benchRow{calls: 2, activated: 2, sent: 100, recv: 100, lostSeq: 2, genSkipped: 2}, 0, false},
		"not all active":  {benchRow{calls: 2, activated: 1, sent: 50, recv: 50}, 0, false},
		"failed call":     {benchRow{calls: 2, activated: 2, failed: 1, sent: 100, recv: 100}, 0, false},
		"no recording":    {benchRow{calls: 2, activated: 2, sent: 100, recv: 50, noRecording: 1}, 50, false},
		"more than sent?": {benchRow{calls: 1, activated: 1, sent: 10, recv: 11}, 0, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tt.row.lost(); got != tt.lost {
				t.Errorf("lost = %d, want %d", got, tt.lost)
			}
			if got := tt.row.clean(); got != tt.clean {
				t.Errorf("clean = %v, want %v", got, tt.clean)
			}
			if v := tt.row.verdict(); (v == "") != tt.clean {
				t.Errorf("verdict %q for clean=%v", v, tt.clean)
			}
		})
	}
	res := &benchResult{rows: []*benchRow{
		{calls: 100, activated: 100, sent: 1, recv: 1},
		{calls: 300, activated: 300, sent: 1, recv: 1},
		{calls: 500, activated: 500, sent: 2, recv: 1},
	}}
	if b := res.bestZeroLoss(); b == nil || b.calls != 300 {
		t.Fatalf("bestZeroLoss = %+v", b)
	}
}

func TestSummarizeErrors(t *testing.T) {
	got := summarizeErrors(map[string]int{"b": 1, "a": 1, "c": 5})
	if strings.Join(got, "|") != "5x c|1x a|1x b" {
		t.Fatalf("got %q", got)
	}
	if got := summarize([]string{"x", "y", "x"}); strings.Join(got, "|") != "x (x2)|y" {
		t.Fatalf("summarize = %q", got)
	}
	if d := dropsText(map[string]float64{"wrong_source": 2, "inactive": 1}); d != "inactive=1,wrong_source=2" {
		t.Fatalf("dropsText = %q", d)
	}
	if d := dropsText(nil); d != "-" {
		t.Fatalf("dropsText(nil) = %q", d)
	}
	if ctx := context.Background(); sleepCtx(ctx, 0) != nil {
		t.Fatal("sleepCtx(0)")
	}
}
