package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The shape gate.Snapshot marshals to, plus streams as the appliance may
// merge them in.
const callsJSON = `[
 {"id":"s1","state":"active","keys":["conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a","ucid:004762C169FA480C","callid:c1@sbc"],
  "direction":"inbound","info":{"call_id":"c1@sbc"},"offered_at":"2026-11-25T00:58:00Z","transitions":[],
  "streams":[{"label":"1","packets":990,"lost":10},{"label":"2","packets":1000,"lost":0}]},
 {"id":"s2","state":"pending","keys":["ucid:004762C169FA480D"],"offered_at":"2026-11-25T00:59:30Z"}
]`

func TestCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/calls":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(callsJSON))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")

	code, out, errs := cli(t, t.Context(), "", "calls", "--admin", addr, "--json")
	if code != exitOK || out != callsJSON {
		t.Fatalf("--json: %d %q %s", code, out, errs)
	}
	code, out, errs = cli(t, t.Context(), "", "calls", "--admin", srv.URL)
	if code != exitOK {
		t.Fatalf("table: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("table:\n%s", out)
	}
	for i, want := range [][]string{
		{"ID", "STATE", "DIRECTION", "AGE", "PACKETS", "LOSS", "KEYS"},
		{"s1", "active", "inbound", "1990", "0.5%", "conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a ucid:004762C169FA480C +1"},
		{"s2", "pending", "-", "-", "-", "ucid:004762C169FA480D"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
}

func TestPrintCalls(t *testing.T) {
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	var b strings.Builder
	printCalls(&b, []callView{{ID: "s1", OfferedAt: now.Add(-90*time.Second - 300*time.Millisecond)}}, now)
	if !strings.Contains(b.String(), "1m30s") {
		t.Fatalf("age:\n%s", b.String())
	}
	b.Reset()
	printCalls(&b, nil, now)
	if b.String() != "no live calls\n" {
		t.Fatalf("empty: %q", b.String())
	}
}

func TestCallsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("mode") {
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"draining"}`))
		}
	}))
	t.Cleanup(srv.Close)
	notJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>"))
	}))
	t.Cleanup(notJSON.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := closed.Listener.Addr().String()
	closed.Close()

	tests := map[string]struct {
		args   []string
		code   int
		stderr string
	}{
		"api error":   {[]string{"--admin", srv.URL}, exitFailure, "503 Service Unavailable: draining"},
		"not json":    {[]string{"--admin", notJSON.URL}, exitFailure, "unexpected answer"},
		"not running": {[]string{"--admin", closedAddr}, exitFailure, "is cogito-edge running"},
		"bad flag":    {[]string{"--admin"}, exitUsage, "flag needs an argument"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := cli(t, t.Context(), "", append([]string{"calls"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.stderr) || out != "" {
				t.Fatalf("got %d %q %q", code, out, errs)
			}
		})
	}
}
