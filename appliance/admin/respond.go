package admin

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// writeJSON writes v as the whole response. It encodes before writing the
// header so that a value that cannot be encoded becomes a 500, not a 200
// with half a body.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "encode response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// errorBody is every error response: {"error": "..."}.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

// slogPrintln adapts a slog.Logger to promhttp's Println logger.
type slogPrintln struct{ l *slog.Logger }

// Println logs a metrics gathering error at warn level.
func (p slogPrintln) Println(v ...any) {
	p.l.Warn("metrics scrape", "err", fmt.Sprint(v...))
}
