package admin

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// postCTI takes one CTI event in the JSON of DESIGN §3 and hands it to the
// gate. Responses: 202 with the delivery result; 400 with the reason for an
// event that does not decode or validate; 404 when the API source is off;
// 415 for a body that is not declared JSON; 503 when the gate cannot take
// events (closed, shutting down).
func (s *Server) postCTI(w http.ResponseWriter, r *http.Request) {
	if s.deps.CTI == nil {
		writeError(w, http.StatusNotFound, `CTI events over the admin API are disabled: cti.source does not include "api"`)
		return
	}
	// Requiring application/json stops a web page in a browser on this host
	// from posting events: cross-origin, that needs a CORS preflight.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json (curl: -H 'Content-Type: application/json')")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, cti.MaxEventSize+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if len(body) > cti.MaxEventSize {
		writeError(w, http.StatusBadRequest, "event larger than "+strconv.Itoa(cti.MaxEventSize)+" bytes")
		return
	}
	ev, err := cti.Decode(bytes.NewReader(body), s.deps.Now)
	if err != nil {
		s.log.Debug("cti event refused", "err", err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.deps.CTI(r.Context(), ev)
	switch {
	case errors.Is(err, cti.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		s.log.Warn("cti event not delivered", "type", ev.Type, "err", err)
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s.log.Debug("cti event delivered", "type", ev.Type, "keys", ev.Keys().Len())
	if res == nil {
		res = struct{}{}
	}
	writeJSON(w, http.StatusAccepted, res)
}
