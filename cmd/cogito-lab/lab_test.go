package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/edgeproc"
)

// TestMain lets the test binary stand in for cogito-lab when the bench
// starts itself as a child (udpsink).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	edgeBuild.Remove()
	os.Exit(code)
}

// edgeBuild is cogito-edge, built once for the package's tests.
var edgeBuild = &edgeproc.Binary{Pattern: "cogito-lab-test-bin-*"}

func edgeBinary(t *testing.T) string { return edgeBuild.Path(t) }

// TestLab runs the lab against a freshly built appliance: SIPp calls when
// this process may run them (root), the SRTP callgen call always, then the
// cloud path (a SIPREC call and an AudioHook call through the simulated
// cloud).
func TestLab(t *testing.T) {
	bin := edgeBinary(t)
	var out strings.Builder
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Second)
	defer cancel()
	keep := t.TempDir()
	res, err := runLabCalls(ctx, labOptions{edge: bin, scenarios: "../../lab/sipp", keep: keep, sipp: "sipp", duration: 2 * time.Second}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !res.ok() {
		t.Fatal("the lab failed; see the report above")
	}
	want := 6 // 3 local, then 2 SIPp and 1 AudioHook on the cloud path
	if len(res.skipped) > 0 {
		want = 3 // callgen instead of SIPp on the cloud path
		t.Logf("skipped: %v", res.skipped)
	}
	if len(res.calls) != want {
		t.Fatalf("%d calls, want %d", len(res.calls), want)
	}
	for _, c := range res.calls {
		if _, err := os.Stat(c.rec.WAV); err != nil || !strings.HasPrefix(c.rec.WAV, keep) {
			t.Errorf("call %d: recording %q not kept under %s: %v", c.n, c.rec.WAV, keep, err)
		}
	}
	for _, c := range res.calls[len(res.calls)-2:] {
		if c.ingest == nil || !strings.HasPrefix(c.ingest.rec.WAV, keep) {
			t.Errorf("call %d: no ingested recording kept under %s", c.n, keep)
		}
	}
	for _, s := range []string{"PASS: ", "channel 0  customer (want 440 Hz): dominant 440 Hz", "SRTP", "appliance stops cleanly",
		"ok   ingested = the local recording, sample for sample", "ok   paused until the CTI start, resumed by it",
		"ok   no admin-API shortcut", "== cloud path checks =="} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q", s)
		}
	}
}

// TestLabCommand checks the command's flags and its failure on a missing
// binary.
func TestLabCommand(t *testing.T) {
	tests := map[string]struct {
		args []string
		code int
		out  string
	}{
		"help":           {[]string{"help", "lab"}, exitOK, "-scenarios"},
		"bad duration":   {[]string{"lab", "--duration", "10ms"}, exitUsage, ""},
		"stray argument": {[]string{"lab", "x"}, exitUsage, ""},
		"no binary":      {[]string{"lab", "--edge", "/nonexistent/cogito-edge", "--no-sipp"}, exitRuntime, ""},
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
