package admin

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// guard wraps the routes: it refuses peers that are not loopback and counts
// every request by route pattern and status code.
//
// The listener is bound to loopback already; the peer check is defence in
// depth against a listener handed in from elsewhere or a proxy in front.
func (s *Server) guard(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err != nil || !ap.Addr().Unmap().IsLoopback() {
			writeError(sw, http.StatusForbidden, "the admin API answers loopback clients only")
			s.m.requests.WithLabelValues("other", strconv.Itoa(sw.status())).Inc()
			return
		}
		mux.ServeHTTP(sw, r)
		// ServeMux sets r.Pattern on the request it routed; empty means it
		// answered 404 or 405 itself. Patterns keep the label set bounded,
		// ids in paths would not.
		route := "other"
		if r.Pattern != "" {
			_, path, _ := strings.Cut(r.Pattern, " ")
			route = path
		}
		s.m.requests.WithLabelValues(route, strconv.Itoa(sw.status())).Inc()
	})
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

// WriteHeader records the first status code and passes it on.
func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and passes the body on.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
