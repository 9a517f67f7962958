package srs

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/siprec"
	"github.com/emiago/sipgo/sip"
)

// onInvite routes an INVITE: with a To tag it is a re-INVITE in a dialog.
func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			s.onReinvite(req, tx)
			return
		}
	}
	s.onNewSession(req, tx)
}

// onNewSession answers a new recording session inactive (DESIGN §4).
func (s *Server) onNewSession(req *sip.Request, tx sip.ServerTransaction) {
	switch {
	case s.draining.Load():
		s.reject(tx, req, 503, "Service Unavailable", "draining", "recorder is draining", retryAfter(s.cfg.RetryAfter))
		return
	case len(req.Body()) > MaxBodySize:
		s.m.badInput("body_too_large")
		s.reject(tx, req, 413, "Request Entity Too Large", "too_large",
			fmt.Sprintf("body of %d bytes exceeds %d", len(req.Body()), MaxBodySize))
		return
	case !siprec.IsRecording(req):
		s.reject(tx, req, 488, "Not Acceptable Here", "not_siprec",
			"not a SIPREC recording session: no rs-metadata part, no Require: siprec, no +sip.src")
		return
	case s.Len() >= s.cfg.MaxSessions:
		s.reject(tx, req, 503, "Service Unavailable", "over_capacity",
			fmt.Sprintf("at sip.max_sessions (%d)", s.cfg.MaxSessions), retryAfter(s.cfg.RetryAfter))
		return
	}

	if from := req.From(); from == nil || from.Params.GetOr("tag", "") == "" {
		// RFC 3261 §8.1.1.3: without the SBC's tag there is no dialog id.
		s.m.badInput("bad_request")
		s.reject(tx, req, 400, "Bad Request", "bad_request", "From header without a tag")
		return
	}
	rec, err := siprec.Parse(req)
	if code, reason, outcome, why := classifyParseError(err, true); code != 0 {
		s.m.badInput(outcome)
		s.reject(tx, req, code, reason, outcome, why)
		return
	}
	if errors.Is(err, siprec.ErrMalformedMetadata) {
		s.m.badInput("malformed_metadata")
		s.log.Warn("malformed SIPREC metadata; keys extracted by pattern", "call_id", callIDOf(req), "error", err)
	}
	offer, err := negotiate.ParseOffer(rec.Body.SDP)
	if err != nil {
		s.m.badInput("sdp")
		s.reject(tx, req, 400, "Bad Request", "bad_sdp", "SDP: "+err.Error())
		return
	}
	plan := negotiate.NewPlan(offer, s.cfg.SRTP)
	for _, st := range plan.Streams {
		if !st.Accepted {
			s.m.rejectedMedia(st.Reason.String())
		}
	}
	if plan.Accepted() == 0 {
		s.reject(tx, req, 488, "Not Acceptable Here", "no_usable_media",
			"no m-line with a codec we decode (PCMU, PCMA, G.722) under media.srtp "+s.cfg.SRTP.String())
		return
	}

	sess, answer, err := s.newSession(req, rec, plan)
	if errors.Is(err, ErrOverCapacity) {
		s.reject(tx, req, 503, "Service Unavailable", "over_capacity",
			fmt.Sprintf("at sip.max_sessions (%d)", s.cfg.MaxSessions), retryAfter(s.cfg.RetryAfter))
		return
	}
	if errors.Is(err, media.ErrPortsExhausted) {
		s.reject(tx, req, 503, "Service Unavailable", "ports_exhausted", "media port range exhausted", retryAfter(s.cfg.RetryAfter))
		return
	}
	if err != nil {
		s.log.Error("session setup failed", "call_id", callIDOf(req), "error", err)
		s.reject(tx, req, 500, "Server Internal Error", "internal", "session setup failed")
		return
	}

	// The gate takes the session before we answer, so that a gate that
	// refuses it (shutting down) costs a 503 rather than a 200 and a BYE
	// sent before the SBC's ACK (RFC 3261 §15). A CTI start it already holds
	// may activate the session at once: our re-INVITE waits for the ACK.
	gs, err := s.d.Gate.Offer(sess.id, sess.keys.Clone(), sess.info(), sess)
	if err != nil {
		s.log.Warn("gate refused session", "call_id", callIDOf(req), "error", err)
		sess.finish("gate-refused")
		s.reject(tx, req, 503, "Service Unavailable", "gate_refused", "recorder cannot take sessions now",
			retryAfter(s.cfg.RetryAfter))
		return
	}
	sess.mu.Lock()
	sess.gs = gs
	sess.mu.Unlock()

	// A CANCEL that came before OnCancel is registered makes it return
	// false; sipgo has sent the 487 then. Responding after that would
	// replace the 487 that the transaction retransmits with our 200.
	canceled := make(chan struct{})
	cancel := sync.OnceFunc(func() { close(canceled) })
	if !tx.OnCancel(func(*sip.Request) { cancel() }) {
		cancel() // the callback may have run too: both close through the Once
	}
	select {
	case <-canceled:
		s.m.requests(req.Method, "canceled")
		sess.finish("cancel")
		return
	default:
	}
	res := s.okResponse(req, sess.dlg, answer)
	if err := tx.Respond(res); err != nil {
		if errors.Is(err, sip.ErrTransactionCanceled) {
			// The CANCEL won the race with our 200: the SBC got 487.
			s.m.requests(req.Method, "canceled")
			sess.finish("cancel")
			return
		}
		s.log.Warn("sending 200 OK failed", "call_id", callIDOf(req), "error", err)
		sess.finish("transport-error")
		return
	}
	s.m.requests(req.Method, "answered")
	sess.log.Info("recording session answered inactive", "streams", plan.Accepted(), "keys", sess.keys.Keys())
	s.awaitAck(sess, tx, res)
}

// classifyParseError maps siprec.Parse errors to a response. code 0 means
// the request can proceed.
func classifyParseError(err error, needSDP bool) (code int, reason, outcome, why string) {
	switch {
	case err == nil, errors.Is(err, siprec.ErrMalformedMetadata) && !errors.Is(err, siprec.ErrNoSDP):
		return 0, "", "", ""
	case errors.Is(err, siprec.ErrHostileMetadata):
		return 400, "Bad Request", "hostile_metadata", "rs-metadata refused: " + err.Error()
	case errors.Is(err, siprec.ErrBodyTooLarge):
		return 413, "Request Entity Too Large", "too_large", err.Error()
	case errors.Is(err, siprec.ErrNoSDP):
		if !needSDP {
			return 0, "", "", ""
		}
		return 400, "Bad Request", "no_sdp", "no application/sdp part"
	case errors.Is(err, siprec.ErrContentType):
		return 415, "Unsupported Media Type", "content_type", err.Error()
	default:
		return 400, "Bad Request", "bad_body", "multipart body: " + err.Error()
	}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
