package cloudsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/ahlab"
)

// api is the simulator's loopback HTTP API.
type api struct {
	ctrl   *Control
	health func() any    // the tunnel's health; nil without a tunnel
	ingest *ahlab.Ingest // nil without an ingest
	gen    *genesysCTI   // nil without the Genesys tracker
	log    *slog.Logger
}

// Handler serves the API of a Control without a tunnel (tests):
// POST /v1/cti and GET /v1/appliances.
func (c *Control) Handler() http.Handler { return (&api{ctrl: c, log: c.log}).routes() }

func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/cti", a.postCTI)
	mux.HandleFunc("GET /v1/appliances", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.ctrl.Appliances())
	})
	mux.HandleFunc("GET /v1/tunnel", func(w http.ResponseWriter, _ *http.Request) {
		if a.health == nil {
			writeError(w, http.StatusNotFound, "no tunnel")
			return
		}
		writeJSON(w, http.StatusOK, a.health())
	})
	mux.HandleFunc("GET /v1/ingest", func(w http.ResponseWriter, _ *http.Request) {
		if a.ingest == nil {
			writeError(w, http.StatusNotFound, "no ingest")
			return
		}
		writeJSON(w, http.StatusOK, ingestStatus{Sessions: a.ingest.Sessions(), Recordings: a.ingest.Recordings()})
	})
	mux.HandleFunc("GET /v1/genesys", func(w http.ResponseWriter, _ *http.Request) {
		if a.gen == nil {
			writeError(w, http.StatusNotFound, "no genesys tracker")
			return
		}
		writeJSON(w, http.StatusOK, a.gen.status())
	})
	return mux
}

// ingestStatus is GET /v1/ingest: the ingest's sessions and recordings.
type ingestStatus struct {
	Sessions   []ahlab.Session   `json:"sessions"`
	Recordings []ahlab.Recording `json:"recordings"`
}

// postCTI injects one event: 200 with the Delivery, 400 for an event that
// does not decode or validate, 503 when no appliance is connected.
func (a *api) postCTI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, cti.MaxEventSize+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	ev, err := cti.Decode(bytes.NewReader(body), time.Now)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := a.ctrl.Deliver(r.Context(), ev)
	switch {
	case errors.Is(err, cti.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
