package callgen

import (
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// handle registers the handlers for requests the SRS sends us. All of them
// are in-dialog: an SBC never receives a new recording session.
func (g *Generator) handle(srv *sipgo.Server) {
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		c := g.lookup(req)
		if c == nil {
			respond(tx, req, 481, "Call/Transaction Does Not Exist", nil, nil)
			return
		}
		c.onReinvite(req, tx)
	})
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		if c := g.lookup(req); c != nil {
			c.onAck(req)
		}
	})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		c := g.lookup(req)
		if c == nil {
			respond(tx, req, 481, "Call/Transaction Does Not Exist", nil, nil)
			return
		}
		c.onBye(req, tx)
	})
	// Session-timer refreshes and keepalives: accept without media change.
	for _, m := range []sip.RequestMethod{sip.OPTIONS, sip.INFO, sip.NOTIFY} {
		srv.OnRequest(m, func(req *sip.Request, tx sip.ServerTransaction) {
			respond(tx, req, 200, "OK", nil, nil)
		})
	}
	srv.OnRequest(sip.UPDATE, func(req *sip.Request, tx sip.ServerTransaction) {
		if len(req.Body()) > 0 {
			// An SDP offer in UPDATE is not part of the SIPREC contract
			// the lab checks; refuse it rather than answer wrongly.
			respond(tx, req, 488, "Not Acceptable Here", nil, nil)
			return
		}
		respond(tx, req, 200, "OK", nil, nil)
	})
}

// respond sends a response with an optional body and extra headers; errors
// are the transaction's business (a lost response is retransmitted or times
// out there).
func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs []sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}
