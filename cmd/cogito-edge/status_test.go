package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance"
	"github.com/cogito/cogito-edge/appliance/config"
)

const (
	readyJSON = `{"ready":true,"checks":[{"name":"sip","ok":true},{"name":"media_ports","ok":true,"detail":"498 of 500 pairs free"},
 {"name":"tunnel","ok":true,"detail":"handshake 14s ago with 198.51.100.7:51820"},{"name":"cloud_control","ok":true,"detail":"connected"}]}`
	notReadyJSON = `{"ready":false,"checks":[{"name":"sip","ok":false,"detail":"srs: not ready: recorder is draining"},{"name":"media_ports","ok":true}]}`
	cloudMetrics = `# TYPE cogito_edge_tunnel_up gauge
cogito_edge_tunnel_up 1
# TYPE cogito_edge_tunnel_handshake_age_seconds gauge
cogito_edge_tunnel_handshake_age_seconds 14.2
# TYPE cogito_edge_control_connected gauge
cogito_edge_control_connected 1
# TYPE cogito_edge_gate_cti_events_total counter
cogito_edge_gate_cti_events_total{outcome="matched",type="start"} 10
cogito_edge_gate_cti_events_total{outcome="matched",type="end"} 2
cogito_edge_gate_cti_events_total{outcome="cached",type="start"} 3
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.7640288e+09
`
	freshTunnelMetrics = "# TYPE cogito_edge_tunnel_up gauge\ncogito_edge_tunnel_up 1\n" +
		"# TYPE cogito_edge_tunnel_handshake_age_seconds gauge\ncogito_edge_tunnel_handshake_age_seconds +Inf\n" +
		"# TYPE cogito_edge_control_connected gauge\ncogito_edge_control_connected 0\n"
	twoCalls = `[{"id":"s1","state":"active"},{"id":"s2","state":"pending"},{"id":"s3","state":"active"}]`
)

// fakeAdmin serves the three endpoints status reads.
func fakeAdmin(t *testing.T, readyCode int, ready, calls, metrics string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			w.WriteHeader(readyCode)
			_, _ = io.WriteString(w, ready)
		case "/v1/calls":
			_, _ = io.WriteString(w, calls)
		case "/metrics":
			_, _ = io.WriteString(w, metrics)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// squeeze collapses runs of blanks, so that tests do not depend on the
// table's column widths.
func squeeze(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

func TestStatus(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := closed.Listener.Addr().String()
	closed.Close()

	tests := map[string]struct {
		admin  string
		flags  []string
		code   int
		stdout []string
		stderr string
	}{
		"ready with cloud": {
			admin: fakeAdmin(t, 200, readyJSON, twoCalls, cloudMetrics),
			code:  exitOK,
			stdout: []string{"cogito-edge: ready (admin ", ", up ", "tunnel  ok  handshake 14s ago",
				"calls:  3 (active 2, pending 1)", "tunnel: up, handshake 14s ago",
				"cti:    control channel connected; events since start: matched 12, cached 3"},
		},
		"not ready": {
			admin:  fakeAdmin(t, 503, notReadyJSON, "[]", "# nothing\n"),
			code:   exitNotReady,
			stdout: []string{"cogito-edge: NOT READY", "sip  FAIL  srs: not ready: recorder is draining", "calls:  0", "tunnel: not configured", "cti:    events since start: none"},
		},
		"starting tunnel": {
			admin:  fakeAdmin(t, 503, notReadyJSON, "[]", freshTunnelMetrics),
			code:   exitNotReady,
			stdout: []string{"tunnel: up, no handshake yet", "cti:    control channel DOWN"},
		},
		"quiet ready":     {admin: fakeAdmin(t, 200, readyJSON, "[]", ""), flags: []string{"-q"}, code: exitOK},
		"quiet not ready": {admin: fakeAdmin(t, 503, notReadyJSON, "[]", ""), flags: []string{"-q"}, code: exitNotReady},
		"not running":     {admin: closedAddr, code: exitFailure, stderr: "is cogito-edge running"},
		"quiet not running": {
			admin: closedAddr, flags: []string{"-q"}, code: exitFailure,
		},
		"not the appliance": {admin: fakeAdmin(t, 200, "<html>", "[]", ""), code: exitFailure, stderr: "not the appliance's answer"},
		"calls fail":        {admin: fakeAdmin(t, 200, readyJSON, "nope", ""), code: exitFailure, stderr: "GET /v1/calls"},
		"bad metrics":       {admin: fakeAdmin(t, 200, readyJSON, "[]", "{{{\n"), code: exitFailure, stderr: "GET /metrics"},
		"stray argument":    {admin: "x", flags: []string{"extra"}, code: exitUsage, stderr: `unexpected argument "extra"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"status", "--admin", tt.admin}, tt.flags...)
			code, out, errs := cli(t, t.Context(), "", args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(squeeze(out), squeeze(w)) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tt.stderr != "" && !strings.Contains(errs, tt.stderr) {
				t.Errorf("stderr lacks %q: %s", tt.stderr, errs)
			}
			if len(tt.stdout) == 0 && out != "" {
				t.Errorf("stdout not empty: %s", out)
			}
			if tt.stderr == "" && errs != "" {
				t.Errorf("stderr not empty: %s", errs)
			}
		})
	}
}

func TestStatusJSON(t *testing.T) {
	admin := fakeAdmin(t, 200, readyJSON, twoCalls, cloudMetrics)
	code, out, errs := cli(t, t.Context(), "", "status", "--admin", admin, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Ready  bool `json:"ready"`
		Checks []struct {
			Name string `json:"name"`
		} `json:"checks"`
		Calls struct {
			Total   int            `json:"total"`
			ByState map[string]int `json:"by_state"`
		} `json:"calls"`
		Tunnel *struct {
			Up  bool    `json:"up"`
			Age float64 `json:"handshake_age_seconds"`
		} `json:"tunnel"`
		CTI struct {
			Events    map[string]float64 `json:"events"`
			Connected *bool              `json:"control_connected"`
		} `json:"cti"`
		Uptime float64 `json:"uptime_seconds"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if !got.Ready || len(got.Checks) != 4 || got.Calls.Total != 3 || got.Calls.ByState["active"] != 2 ||
		got.Tunnel == nil || !got.Tunnel.Up || got.Tunnel.Age != 14.2 ||
		got.CTI.Events["matched"] != 12 || got.CTI.Connected == nil || !*got.CTI.Connected || got.Uptime <= 0 {
		t.Fatalf("report:\n%s", out)
	}
}

// status against a real appliance: ready, then not ready while it drains.
func TestStatusAppliance(t *testing.T) {
	cfg := config.Default()
	cfg.SIP.Listen = []string{"udp:127.0.0.1:0"}
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Recording.Dir = t.TempDir()
	cfg.Media.Ports = "23800-23899"
	app, err := appliance.New(cfg, appliance.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("appliance did not stop")
		}
	})
	select {
	case <-app.Started():
	case err := <-done:
		t.Fatal(err)
	}
	code, out, errs := cli(t, t.Context(), "", "status", "--admin", app.AdminAddr())
	if code != exitOK || !strings.Contains(out, "cogito-edge: ready") || !strings.Contains(squeeze(out), "media_ports ok 50 of 50 pairs free") ||
		!strings.Contains(out, "calls:  0") || !strings.Contains(out, "tunnel: not configured") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}
