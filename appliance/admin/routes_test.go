package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

type snap struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

func newTestServer(t *testing.T, deps Deps) *Server {
	t.Helper()
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	s, err := New(Config{Listen: "127.0.0.1:0"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do runs one request through the handler as a loopback client unless
// remote says otherwise.
func do(h http.Handler, method, path, remote, ctype, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "127.0.0.1:40000"
	if remote != "" {
		r.RemoteAddr = remote
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRoutes(t *testing.T) {
	calls := []snap{{"s1", "active"}, {"s2", "pending"}}
	s := newTestServer(t, Deps{
		Calls: func() any { return calls },
		Call: func(id string) (any, bool) {
			for _, c := range calls {
				if c.ID == id {
					return c, true
				}
			}
			return nil, false
		},
	})
	tests := map[string]struct {
		method, path, remote string
		code                 int
		allow                string
		body                 string
	}{
		"healthz":           {"GET", "/healthz", "", 200, "", "ok\n"},
		"healthz head":      {"HEAD", "/healthz", "", 200, "", ""},
		"healthz post":      {"POST", "/healthz", "", 405, "GET, HEAD", ""},
		"readyz no checks":  {"GET", "/readyz", "", 200, "", `{"ready":true,"checks":[]}` + "\n"},
		"calls":             {"GET", "/v1/calls", "", 200, "", `[{"id":"s1","state":"active"},{"id":"s2","state":"pending"}]` + "\n"},
		"call":              {"GET", "/v1/calls/s2", "", 200, "", `{"id":"s2","state":"pending"}` + "\n"},
		"call unknown":      {"GET", "/v1/calls/s9", "", 404, "", `{"error":"no live call \"s9\""}` + "\n"},
		"call delete":       {"DELETE", "/v1/calls/s1", "", 405, "GET, HEAD", ""},
		"calls slash":       {"GET", "/v1/calls/", "", 404, "", ""},
		"cti get":           {"GET", "/v1/cti", "", 405, "POST", ""},
		"unknown path":      {"GET", "/v2/things", "", 404, "", ""},
		"root":              {"GET", "/", "", 404, "", ""},
		"remote lan":        {"GET", "/healthz", "10.20.0.7:5555", 403, "", `{"error":"the admin API answers loopback clients only"}` + "\n"},
		"remote v6 global":  {"GET", "/v1/calls", "[2001:db8::1]:5555", 403, "", ""},
		"remote mapped lo":  {"GET", "/healthz", "[::ffff:127.0.0.1]:5555", 200, "", "ok\n"},
		"remote v6 lo":      {"GET", "/healthz", "[::1]:5555", 200, "", "ok\n"},
		"remote no address": {"GET", "/healthz", "pipe", 403, "", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			w := do(s.Handler(), tt.method, tt.path, tt.remote, "", "")
			if w.Code != tt.code {
				t.Fatalf("code = %d, want %d (%s)", w.Code, tt.code, w.Body)
			}
			if got := w.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.body != "" && w.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", w.Body, tt.body)
			}
			if strings.HasPrefix(w.Body.String(), "{") || strings.HasPrefix(w.Body.String(), "[") {
				if ct := w.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
}

func TestCallsEmptyIsList(t *testing.T) {
	for name, calls := range map[string]func() any{
		"no provider": nil,
		"nil slice":   func() any { return []snap(nil) },
		"nil":         func() any { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, Deps{Calls: calls})
			if w := do(s.Handler(), "GET", "/v1/calls", "", "", ""); w.Code != 200 || w.Body.String() != "[]\n" {
				t.Fatalf("got %d %q", w.Code, w.Body)
			}
		})
	}
}

func TestCallUnencodable(t *testing.T) {
	s := newTestServer(t, Deps{Call: func(string) (any, bool) { return func() {}, true }})
	w := do(s.Handler(), "GET", "/v1/calls/x", "", "", "")
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"error":"encode response`) {
		t.Fatalf("got %d %q", w.Code, w.Body)
	}
}

func TestReadyzFlips(t *testing.T) {
	var tunnelUp atomic.Bool
	s := newTestServer(t, Deps{Checks: func() []Check {
		c := Check{Name: "tunnel", OK: tunnelUp.Load(), Detail: "no handshake yet"}
		if c.OK {
			c.Detail = "handshake 3s ago"
		}
		return []Check{{Name: "sip", OK: true}, c}
	}})
	w := do(s.Handler(), "GET", "/readyz", "", "", "")
	want := `{"ready":false,"checks":[{"name":"sip","ok":true},{"name":"tunnel","ok":false,"detail":"no handshake yet"}]}` + "\n"
	if w.Code != 503 || w.Body.String() != want {
		t.Fatalf("down: %d %s", w.Code, w.Body)
	}
	tunnelUp.Store(true)
	w = do(s.Handler(), "GET", "/readyz", "", "", "")
	want = `{"ready":true,"checks":[{"name":"sip","ok":true},{"name":"tunnel","ok":true,"detail":"handshake 3s ago"}]}` + "\n"
	if w.Code != 200 || w.Body.String() != want {
		t.Fatalf("up: %d %s", w.Code, w.Body)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	sessions := prometheus.NewGauge(prometheus.GaugeOpts{Name: "cogito_test_sessions", Help: "test"})
	reg.MustRegister(sessions)
	sessions.Set(7)
	_, base := start(t, Config{}, Deps{Registry: reg})
	get(t, base+"/healthz")
	get(t, base+"/healthz")
	get(t, base+"/v1/calls/nope")
	get(t, base+"/nowhere")
	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("metrics = %d", code)
	}
	for _, want := range []string{
		"cogito_test_sessions 7",
		`cogito_edge_admin_requests_total{code="200",route="/healthz"} 2`,
		`cogito_edge_admin_requests_total{code="404",route="/v1/calls/{id}"} 1`,
		`cogito_edge_admin_requests_total{code="404",route="other"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	// A second server on the same registry shares the counter.
	if _, err := New(Config{Listen: "127.0.0.1:0"}, Deps{Registry: reg}); err != nil {
		t.Fatal(err)
	}
}
