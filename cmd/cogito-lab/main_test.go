package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/pcap"
	"github.com/cogito/cogito-edge/lab/srstest"
	"github.com/cogito/cogito-edge/lab/tone"
)

// runCLI runs the command line and returns exit code, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDispatch(t *testing.T) {
	tests := map[string]struct {
		args []string
		code int
		out  string
	}{
		"no command":      {nil, exitUsage, ""},
		"unknown command": {[]string{"dance"}, exitUsage, ""},
		"help":            {[]string{"help"}, exitOK, "commands:"},
		"--help":          {[]string{"--help"}, exitOK, "commands:"},
		"help call":       {[]string{"help", "call"}, exitOK, "-cti-url"},
		"help analyze":    {[]string{"help", "analyze"}, exitOK, "-expect"},
		"help pcap":       {[]string{"help", "pcap"}, exitOK, "-tones"},
		"help unknown":    {[]string{"help", "dance"}, exitUsage, ""},
		"bad flag":        {[]string{"call", "--nope"}, exitUsage, ""},
		"bad tones":       {[]string{"call", "--tones", "440"}, exitUsage, ""},
		"bad direction":   {[]string{"call", "--direction", "sideways"}, exitRuntime, ""},
		"pcap needs out":  {[]string{"pcap"}, exitUsage, ""},
		"analyze no file": {[]string{"analyze"}, exitUsage, ""},
		"bad expect":      {[]string{"analyze", "x.wav", "--expect", "left:440"}, exitUsage, ""},
		"missing wav":     {[]string{"analyze", "/nonexistent.wav"}, exitRuntime, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, _ := runCLI(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Fatalf("exit %d (want %d), stdout:\n%s", code, tt.code, out)
			}
		})
	}
}

func TestPcapCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legs.pcap")
	code, out, errs := runCLI("pcap", "--out", path, "--tones", "440,1000,2600", "--duration", "1s", "--codec", "pcma")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "3 streams, 150 packets") {
		t.Fatalf("stdout: %s", out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ports := map[uint16]int{}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p, err := pcap.ParseUDPFrame(rec.Data)
		if err != nil {
			t.Fatal(err)
		}
		ports[p.Dst.Port()]++
	}
	if ports[40000] != 50 || ports[40002] != 50 || ports[40004] != 50 {
		t.Fatalf("packets per destination port: %v", ports)
	}
}

func writeStereo(t *testing.T, left, right float64, d time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rec.wav")
	var b bytes.Buffer
	err := tone.WriteWAV(&b, tone.SampleRate, tone.Tone{Freq: left}.Samples(tone.SampleRate, d), tone.Tone{Freq: right}.Samples(tone.SampleRate, d))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAnalyzeCommand(t *testing.T) {
	wav := writeStereo(t, 440, 1000, 2*time.Second)
	tests := map[string]struct {
		args []string
		code int
		out  string
	}{
		"scan":               {[]string{wav}, exitOK, "channel 1: dominant 1000 Hz"},
		"expectations hold":  {[]string{wav, "--expect", "0:440", "--expect", "1:1000", "--duration", "2s"}, exitOK, "OK 2 expectations"},
		"flags first":        {[]string{"--expect", "0:440", wav}, exitOK, "OK 1 expectations"},
		"swapped channels":   {[]string{wav, "--expect", "0:1000", "--expect", "1:440"}, exitFailed, "FAIL"},
		"too short":          {[]string{wav, "--expect", "0:440", "--duration", "3s"}, exitFailed, "lasts 2s"},
		"within tolerance":   {[]string{wav, "--expect", "0:440", "--duration", "2.1s"}, exitOK, "OK"},
		"candidate list":     {[]string{wav, "--candidates", "440,2600", "--expect", "0:440"}, exitOK, "2600 Hz"},
		"json with failures": {[]string{wav, "--json", "--expect", "1:440"}, exitFailed, `"ok": false`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCLI(append([]string{"analyze"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Fatalf("exit %d (want %d); stdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
		})
	}
}

// TestCallCommand runs `call` against the test SRS, with --cti-url pointing
// at an admin stub that activates the matching session, and reads the JSON
// report.
func TestCallCommand(t *testing.T) {
	srs, err := srstest.Start(srstest.Config{Transport: "tcp"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srs.Close)
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := cti.Decode(r.Body, time.Now)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, s := range srs.Sessions() {
			if bytes.Contains(s.Metadata, []byte(e.UCID+e.ConversationID)) {
				go srs.Activate(context.Background(), s.CallID)
				w.WriteHeader(http.StatusAccepted)
				return
			}
		}
		http.Error(w, "no such call", http.StatusNotFound)
	}))
	t.Cleanup(admin.Close)

	code, out, errs := runCLI("call", "--target", srs.Addr().String(), "--transport", "tcp", "--calls", "3",
		"--concurrency", "3", "--duration", "500ms", "--direction", "outbound", "--srtp", "AEAD_AES_128_GCM",
		"--cti-url", admin.URL+"/v1/cti", "--json", "--results")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	var rep callgen.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Completed != 3 || len(rep.Results) != 3 || rep.Results[0].Keys.ConversationID == "" || rep.Results[0].Legs[1].Role != callgen.RoleCustomer {
		t.Fatalf("report: %+v", rep)
	}

	// Nothing listening: every call fails and the exit code says so.
	code, out, _ = runCLI("call", "--target", "127.0.0.1:1", "--transport", "tcp", "--answer-timeout", "2s")
	if code != exitFailed || !strings.Contains(out, "failed 1") {
		t.Fatalf("exit %d: %s", code, out)
	}
}
