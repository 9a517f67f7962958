package genesyssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// simRoutes adds the simulator's own API: scripted calls, users and
// faults. It is unauthenticated: the simulator serves loopback only.
func (s *Sim) simRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sim/users", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Users()) })
	mux.HandleFunc("POST /sim/users", s.simAddUsers)
	mux.HandleFunc("DELETE /sim/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		simResult(w, nil, s.RemoveUser(s.agent(r.PathValue("id"))))
	})
	mux.HandleFunc("GET /sim/channels", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Channels()) })
	mux.HandleFunc("GET /sim/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	mux.HandleFunc("POST /sim/calls/inbound", s.simInbound)
	mux.HandleFunc("POST /sim/calls/outbound", s.simOutbound)
	mux.HandleFunc("POST /sim/calls/{id}/{op}", s.simCallOp)
	mux.HandleFunc("POST /sim/faults/{fault}", s.simFault)
}

// simRequest is the body of the simulator's POST requests; each uses
// some fields.
type simRequest struct {
	Agent          string   `json:"agent"` // a user id, or its index
	To             string   `json:"to"`    // transfer target, id or index
	ConversationID string   `json:"conversation_id"`
	UCID           string   `json:"ucid"`
	UUI            string   `json:"uui"`
	UUIOn          string   `json:"uui_on"`
	Count          int      `json:"count"`
	On             bool     `json:"on"`
	RetryAfter     string   `json:"retry_after"`
	Channel        string   `json:"channel"`
	Permission     string   `json:"permission"`
	Users          []string `json:"users"`
}

func decodeSim(w http.ResponseWriter, r *http.Request) (simRequest, bool) {
	var req simRequest
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil && len(b) > 0 {
		err = json.Unmarshal(b, &req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "body: "+err.Error())
		return req, false
	}
	return req, true
}

// agent resolves a user id or index.
func (s *Sim) agent(ref string) string {
	if i, err := strconv.Atoi(ref); err == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if i >= 0 && i < len(s.users) {
			return s.users[i].ID
		}
	}
	return ref
}

func (s *Sim) simAddUsers(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeSim(w, r)
	if !ok {
		return
	}
	if req.Count < 1 || req.Count > 100_000 {
		writeError(w, http.StatusBadRequest, "bad.request", "count: want 1 to 100000")
		return
	}
	writeJSON(w, http.StatusOK, s.AddUsers(req.Count))
}

func (s *Sim) simInbound(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeSim(w, r)
	if !ok {
		return
	}
	c, err := s.Inbound(s.agent(req.Agent), InboundOptions{ConversationID: req.ConversationID, UCID: req.UCID, UUI: req.UUI, UUIOn: req.UUIOn})
	simResult(w, c, err)
}

func (s *Sim) simOutbound(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeSim(w, r)
	if !ok {
		return
	}
	c, err := s.Outbound(s.agent(req.Agent), req.ConversationID)
	simResult(w, c, err)
}

func (s *Sim) simCallOp(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeSim(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var err error
	switch r.PathValue("op") {
	case "hold":
		err = s.Hold(id)
	case "resume":
		err = s.Resume(id)
	case "transfer":
		err = s.Transfer(id, s.agent(req.To))
	case "disconnect":
		err = s.Disconnect(id)
	default:
		writeError(w, http.StatusNotFound, "not.found", "operations: hold, resume, transfer, disconnect")
		return
	}
	simResult(w, map[string]string{"conversation_id": id, "op": r.PathValue("op")}, err)
}

func (s *Sim) simFault(w http.ResponseWriter, r *http.Request) {
	req, ok := decodeSim(w, r)
	if !ok {
		return
	}
	var out any
	var err error
	switch r.PathValue("fault") {
	case "socket-closing":
		out = map[string]int{"sockets": s.SocketClosing(req.Channel)}
	case "kill-sockets":
		out = map[string]int{"sockets": s.KillSockets(req.Channel)}
	case "drop-heartbeats":
		s.DropHeartbeats(req.On)
	case "rate-limit":
		d := time.Second
		if req.RetryAfter != "" {
			if d, err = time.ParseDuration(req.RetryAfter); err != nil {
				break
			}
		}
		s.RateLimit(max(req.Count, 1), d)
	case "revoke-tokens":
		out = map[string]int{"revoked": s.RevokeTokens()}
	case "fail-tokens":
		s.FailTokens(max(req.Count, 1))
	case "delete-channel":
		err = s.DeleteChannel(req.Channel)
	case "outage":
		s.Outage(req.On)
	case "reject-topics":
		users := make([]string, len(req.Users))
		for i, u := range req.Users {
			users[i] = s.agent(u)
		}
		s.RejectTopics(req.Permission, users...)
	default:
		writeError(w, http.StatusNotFound, "not.found", "faults: socket-closing, kill-sockets, drop-heartbeats, rate-limit, "+
			"revoke-tokens, fail-tokens, delete-channel, outage, reject-topics")
		return
	}
	if out == nil {
		out = map[string]string{"fault": r.PathValue("fault")}
	}
	simResult(w, out, err)
}

// simResult writes v, or err with the status its kind calls for.
func simResult(w http.ResponseWriter, v any, err error) {
	switch {
	case err == nil:
		if v == nil {
			v = map[string]string{"result": "ok"}
		}
		writeJSON(w, http.StatusOK, v)
	case errors.Is(err, ErrUnknownUser), errors.Is(err, ErrUnknownConversation), errors.Is(err, ErrUnknownChannel):
		writeError(w, http.StatusNotFound, "not.found", err.Error())
	default:
		writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprint(err))
	}
}
