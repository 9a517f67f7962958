package srstest

import (
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

func (s *SRS) handle(srv *sipgo.Server) {
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		if to := req.To(); to != nil {
			if _, ok := to.Params.Get("tag"); ok {
				s.onReinvite(req, tx)
				return
			}
		}
		s.onInvite(req, tx)
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		if sess := s.lookup(req); sess != nil && sess.dialog != nil {
			sess.dialog.ReadAck(req, tx)
		}
	})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		sess := s.lookup(req)
		if sess == nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
		if sess.dialog.ReadBye(req, tx) != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
		sess.end()
	})
	srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
}

// onInvite answers a recording INVITE inactive.
func (s *SRS) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	reject := func(code int, reason string) {
		tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	sdpPart, meta, err := splitBody(ct, req.Body())
	if err != nil {
		s.log.Warn("bad INVITE body", "error", err)
		reject(400, "Bad Request")
		return
	}
	offer, err := parseSDP(sdpPart)
	if err != nil {
		reject(488, "Not Acceptable Here")
		return
	}
	sess, err := s.newSession(req, offer, meta)
	if err != nil {
		s.log.Warn("no session", "error", err)
		reject(503, "Service Unavailable")
		return
	}
	d, err := s.dialogs.ReadInvite(req, tx)
	if err != nil {
		sess.closeLegs()
		reject(500, "Server Internal Error")
		return
	}
	sess.dialog = d
	s.addSession(sess)
	// Respond blocks until the ACK arrives (or 64*T1 passes).
	dir := s.cfg.AnswerDir
	if dir == "" {
		dir = "inactive"
	}
	if err := d.Respond(200, "OK", sess.sdp(dir), sip.NewHeader("Content-Type", "application/sdp")); err != nil {
		s.log.Warn("answer not ACKed", "error", err)
		return
	}
	close(sess.Answered)
	if s.cfg.AutoActivate > 0 {
		go func() {
			select {
			case <-time.After(s.cfg.AutoActivate):
			case <-s.ctx.Done():
				return
			}
			if err := sess.activate(s.ctx); err != nil {
				s.log.Warn("activation failed", "error", err)
			}
		}()
	}
}

// onReinvite answers the SBC's re-INVITE (metadata update, refresh) with the
// session's current state, or 491 when configured to provoke glare.
func (s *SRS) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	sess := s.lookup(req)
	if sess == nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	sess.dialog.ReadRequest(req, tx)
	if s.takeGlare() {
		tx.Respond(sip.NewResponseFromRequest(req, 491, "Request Pending", nil))
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	if _, meta, err := splitBody(ct, req.Body()); err == nil && meta != nil {
		sess.mu.Lock()
		sess.updates = append(sess.updates, meta)
		sess.mu.Unlock()
	}
	dir := "inactive"
	if sess.active.Load() {
		dir = "recvonly"
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", sess.sdp(dir))
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(sip.HeaderClone(&s.dialogs.ContactHDR))
	tx.Respond(res)
}
