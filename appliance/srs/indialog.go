package srs

import (
	"math/rand/v2"
	"time"

	"github.com/cogito/cogito-edge/appliance/siprec"
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
	start := sess.dlg.beginTheirInvite(req.CSeq().SeqNo)
	if start == inviteUnacked && s.awaitReorderedAck(sess) {
		start = sess.dlg.beginTheirInvite(req.CSeq().SeqNo)
	}
	switch start {
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

// ackReorderWait bounds how long a re-INVITE waits for the ACK of the
// previous INVITE. sipgo handles every message in its own goroutine, so the
// SBC's ACK and the re-INVITE it sends right after may reach us swapped.
const ackReorderWait = 500 * time.Millisecond // T1

// awaitReorderedAck waits up to ackReorderWait for the SBC's pending ACK;
// it reports whether it came.
func (s *Server) awaitReorderedAck(sess *session) bool {
	t := time.NewTimer(ackReorderWait)
	defer t.Stop()
	select {
	case <-sess.dlg.ackWait():
		return true
	case <-t.C:
	case <-s.base.Done():
	}
	return false
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
// ACKs are counted too: "stray" ones (a retransmission, or for an INVITE
// we no longer wait on) are normal in small numbers.
func (s *Server) onAck(req *sip.Request, _ sip.ServerTransaction) {
	sess := s.find(req)
	if sess == nil {
		s.m.requests(req.Method, "no_dialog")
		return
	}
	if cseq := req.CSeq(); cseq != nil && sess.dlg.acked(cseq.SeqNo) {
		s.m.requests(req.Method, "ok")
		return
	}
	s.m.requests(req.Method, "stray")
}

// onBye ends the recording: the SBC is done with the call.
func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	sess := s.find(req)
	if sess == nil {
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_dialog", "no such recording dialog")
		return
	}
	// The dialog leaves the registry before the 200 goes out: an SBC that
	// reads the 200 as capacity freed may send the next INVITE at once.
	sess.finish("bye")
	s.m.requests(req.Method, "ok")
	s.respond(tx, req, 200, "OK", nil)
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

// hasSDP reports whether a request carries an SDP offer, alone or as a
// multipart part. Avaya's metadata-only UPDATE does not, so it needs no
// offer/answer exchange and cannot glare with our re-INVITE.
func hasSDP(req *sip.Request) bool {
	if len(req.Body()) == 0 {
		return false
	}
	ct := ""
	if h := req.GetHeader("Content-Type"); h != nil {
		ct = h.Value()
	}
	b, _ := siprec.SplitBody(ct, req.Body())
	return b != nil && b.SDP != nil
}
