package srs

import (
	"math/rand/v2"
	"time"

	"github.com/emiago/sipgo/sip"
)

// onReinvite handles the SBC's re-INVITE: new metadata (x-inin-cnv may only
// appear now), a new SDP after the called party answers or a transfer, or a
// session-timer refresh. While pending we stay inactive.
func (s *Server) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	sess := s.find(req)
	if sess == nil {
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_dialog", "no such recording dialog")
		return
	}
	if err := sess.dlg.acceptRemote(req); err != nil {
		s.reject(tx, req, 500, "Server Internal Error", "cseq", err.Error(), retryAfter(time.Duration(rand.IntN(10))*time.Second))
		return
	}
	switch sess.dlg.beginTheirInvite() {
	case inviteGlare:
		// RFC 3261 §14.2: our re-INVITE is pending.
		s.m.glare()
		s.reject(tx, req, 491, "Request Pending", "glare", "our re-INVITE is in progress")
		return
	case inviteUnacked:
		s.reject(tx, req, 500, "Server Internal Error", "overlap", "previous INVITE not yet acknowledged",
			retryAfter(time.Duration(rand.IntN(10))*time.Second))
		return
	case inviteEnded:
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_dialog", "recording dialog has ended")
		return
	}
	answer, fail := sess.applyRequest(req, true)
	if fail != nil {
		sess.dlg.endTheirInvite()
		s.reject(tx, req, fail.code, fail.reason, fail.outcome, fail.why)
		return
	}
	res := s.okResponse(req, sess.dlg, answer)
	if err := tx.Respond(res); err != nil {
		sess.dlg.endTheirInvite()
		sess.log.Warn("sending 200 OK to re-INVITE failed", "error", err)
		return
	}
	s.m.requests(req.Method, "reinvite")
	s.awaitAck(sess, tx, res)
}

// onUpdate handles UPDATE (RFC 3311): Avaya sends one carrying only metadata;
// others refresh the session timer or renegotiate SDP.
func (s *Server) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	sess := s.find(req)
	if sess == nil {
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_dialog", "no such recording dialog")
		return
	}
	if err := sess.dlg.acceptRemote(req); err != nil {
		s.reject(tx, req, 500, "Server Internal Error", "cseq", err.Error())
		return
	}
	if hasSDP(req) && sess.dlg.ourInviteInFlight() {
		s.m.glare()
		s.reject(tx, req, 491, "Request Pending", "glare", "our re-INVITE is in progress")
		return
	}
	answer, fail := sess.applyRequest(req, false)
	if fail != nil {
		s.reject(tx, req, fail.code, fail.reason, fail.outcome, fail.why)
		return
	}
	s.m.requests(req.Method, "update")
	s.respondOK(tx, req, sess.dlg, answer)
}

func (s *Server) respondOK(tx sip.ServerTransaction, req *sip.Request, d *dialog, body []byte) {
	if err := tx.Respond(s.okResponse(req, d, body)); err != nil {
		s.log.Warn("sip respond failed", "method", req.Method, "error", err)
	}
}

// onAck completes the SBC's INVITE transaction (initial or re-INVITE).
func (s *Server) onAck(req *sip.Request, _ sip.ServerTransaction) {
	sess := s.find(req)
	if sess == nil {
		return
	}
	if cseq := req.CSeq(); cseq != nil {
		sess.dlg.acked(cseq.SeqNo)
	}
}

// onBye ends the recording: the SBC is done with the call.
func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	sess := s.find(req)
	if sess == nil {
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_dialog", "no such recording dialog")
		return
	}
	s.m.requests(req.Method, "ok")
	s.respond(tx, req, 200, "OK", nil)
	sess.finish("bye")
}

// onCancel sees only a CANCEL that matched no INVITE transaction (sipgo
// answers the others itself).
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_transaction", "no INVITE to cancel")
}

// onUnsupported answers methods we do not implement.
func (s *Server) onUnsupported(req *sip.Request, tx sip.ServerTransaction) {
	s.reject(tx, req, 405, "Method Not Allowed", "method", "method not supported by a recording server",
		sip.NewHeader("Allow", allowMethods))
}

func hasSDP(req *sip.Request) bool { return len(req.Body()) > 0 }
