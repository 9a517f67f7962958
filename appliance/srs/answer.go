package srs

import (
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// okResponse builds a 200 OK carrying our SDP, tag and Contact.
func (s *Server) okResponse(req *sip.Request, d *dialog, sdp []byte) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", sdp)
	if to := res.To(); to != nil {
		// sipgo puts a random tag on responses; the dialog's is ours.
		to.Params.Add("tag", d.toTag())
	}
	contact := d.contact
	contact.Params = d.contact.Params.Clone()
	res.AppendHeader(&contact)
	res.AppendHeader(sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sip.NewHeader("Supported", "timer"))
	if se := req.GetHeader("Session-Expires"); se != nil && supportsTimer(req) {
		// RFC 4028: the SBC refreshes; we echo its interval. Require:
		// timer only goes to an SBC that said it supports timer (§9): one
		// that did not, behind a proxy that added Session-Expires, would
		// refuse our 2xx.
		v := se.Value()
		if i := indexByte(v, ';'); i >= 0 {
			v = v[:i]
		}
		res.AppendHeader(sip.NewHeader("Session-Expires", v+";refresher=uac"))
		res.AppendHeader(sip.NewHeader("Require", "timer"))
	}
	if sdp != nil {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	return res
}

// supportsTimer reports whether the request lists the "timer" option tag
// in Supported (or its compact form k) or Require.
func supportsTimer(req *sip.Request) bool {
	for _, name := range []string{"Supported", "k", "Require"} {
		for _, h := range req.GetHeaders(name) {
			for _, tag := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(tag), "timer") {
					return true
				}
			}
		}
	}
	return false
}

// awaitAck waits for the ACK of a 2xx, retransmitting it over UDP
// (RFC 3261 §13.3.1.4). Without an ACK the session is torn down with BYE.
func (s *Server) awaitAck(sess *session, tx sip.ServerTransaction, res *sip.Response) {
	ack := sess.dlg.ackWait()
	reliable := sip.IsReliable(sess.dlg.transport)
	interval := sip.T1
	deadline := time.NewTimer(s.cfg.AckTimeout)
	defer deadline.Stop()
	retrans := time.NewTimer(interval)
	defer retrans.Stop()
	for {
		select {
		case <-ack:
			return
		case a := <-tx.Acks():
			// sipgo passes an ACK that matched the transaction; treat it alike.
			if cseq := a.CSeq(); cseq != nil {
				sess.dlg.acked(cseq.SeqNo)
			}
			return
		case <-retrans.C:
			if !reliable {
				if err := tx.Respond(res); err != nil {
					s.log.Debug("2xx retransmission failed", "error", err)
				}
			}
			interval = min(2*interval, sip.T2)
			retrans.Reset(interval)
		case <-s.base.Done():
			return // closed: no BYE from a server that is gone
		case <-deadline.C:
			sess.log.Warn("no ACK for our 2xx; ending the session")
			s.m.badInput("no_ack")
			sess.dlg.endTheirInvite()
			s.bye(sess, "no-ack")
			return
		}
	}
}

// contact is our Contact header: a SIPREC SRS (RFC 7866 §6.1.1: +sip.srs).
func (s *Server) contact(req *sip.Request) sip.ContactHeader {
	network := sip.NetworkToLower(req.Transport())
	host := s.cfg.Host
	port := 0
	if ap, ok := s.Addr(network); ok {
		port = int(ap.Port())
		if host == "" && !ap.Addr().IsUnspecified() {
			host = ap.Addr().String()
		}
	}
	if host == "" {
		host = s.cfg.MediaAddr.String()
	}
	c := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "cogito-edge", Host: host, Port: port}}
	if network == "tls" {
		c.Address.Scheme = "sips"
	}
	if network != "udp" {
		c.Address.UriParams = sip.NewParams()
		c.Address.UriParams.Add("transport", network)
	}
	c.Params = sip.NewParams()
	c.Params.Add("+sip.srs", "")
	return c
}
