package admin

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes builds the mux. Method patterns make ServeMux answer 405 with an
// Allow header for a known path and 404 for an unknown one; GET patterns
// also serve HEAD.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.deps.Registry, promhttp.HandlerOpts{
		ErrorLog: slogPrintln{s.log},
		// A collector that fails must not hide the ones that work.
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /v1/calls", s.calls)
	mux.HandleFunc("GET /v1/calls/{id}", s.call)
	mux.HandleFunc("POST /v1/cti", s.postCTI)
	return s.guard(mux)
}

// healthz answers while the process serves HTTP at all: liveness, for a
// watchdog that restarts a hung process, not for load balancing.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readiness is the /readyz body.
type readiness struct {
	Ready  bool    `json:"ready"`
	Checks []Check `json:"checks"`
}

// readyz answers 200 when every check passes, else 503, and lists them all
// so an operator sees which one failed.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	body := readiness{Ready: true, Checks: []Check{}}
	if s.deps.Checks != nil {
		if cs := s.deps.Checks(); cs != nil {
			body.Checks = cs
		}
	}
	for _, c := range body.Checks {
		body.Ready = body.Ready && c.OK
	}
	code := http.StatusOK
	if !body.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, body)
}

// calls lists the live sessions. An empty list is [] rather than null, so
// scripts can always iterate.
func (s *Server) calls(w http.ResponseWriter, _ *http.Request) {
	var v any
	if s.deps.Calls != nil {
		v = s.deps.Calls()
	}
	if rv := reflect.ValueOf(v); !rv.IsValid() || rv.Kind() == reflect.Slice && rv.IsNil() {
		v = []struct{}{}
	}
	writeJSON(w, http.StatusOK, v)
}

// call returns one session by id.
func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.deps.Call != nil {
		if v, ok := s.deps.Call(id); ok {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	writeError(w, http.StatusNotFound, "no live call "+strconv.Quote(id))
}
