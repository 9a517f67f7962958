package srs

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/siprec"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
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

// newSession allocates media for the accepted streams, builds the answer
// and registers the dialog.
func (s *Server) newSession(req *sip.Request, rec *siprec.Recording, plan *negotiate.Plan) (*session, []byte, error) {
	id := uuid.NewString()
	local, err := negotiate.NewLocal(s.cfg.MediaAddr)
	if err != nil {
		return nil, nil, err
	}
	ports, err := s.d.Media.Ports().Allocate(plan.Accepted())
	if err != nil {
		return nil, nil, err
	}
	sess := &session{
		id:      id,
		srv:     s,
		local:   local,
		offered: time.Now(),
		meta:    rec.Metadata,
		keys:    rec.Keys.Clone(),
		streams: make(map[int]*media.Stream),
		log:     s.log.With("session", id, "call_id", callIDOf(req)),
	}
	if sess.meta == nil {
		sess.meta = &siprec.Metadata{}
	}
	sess.media = s.d.Media.NewSession(id, &sess.sink)
	byIndex := make([]int, len(plan.Streams))
	next := 0
	for i, st := range plan.Streams {
		if st.Accepted {
			byIndex[i] = ports[next]
			next++
		}
	}
	body, neg, err := plan.Answer(local, byIndex, negotiate.Inactive)
	if err != nil {
		s.d.Media.Ports().Release(ports...)
		_ = sess.media.Close()
		return nil, nil, err
	}
	sess.neg = neg
	roles := channelRoles(sess.meta, "")
	for i, st := range neg.Streams() {
		if !st.Accepted {
			continue
		}
		ms, err := sess.media.AddStream(streamParams(st, roles.channel(i, st.Label)))
		if err != nil {
			// Ports not yet owned by the media session go back by hand.
			for j := i; j < len(byIndex); j++ {
				if byIndex[j] != 0 {
					s.d.Media.Ports().Release(byIndex[j])
				}
			}
			_ = sess.media.Close()
			return nil, nil, fmt.Errorf("srs: stream %d: %w", i, err)
		}
		sess.streams[i] = ms
	}
	dlg, err := newDialog(req, sip.GenerateTagN(16), s.contact(req))
	if err != nil {
		_ = sess.media.Close()
		return nil, nil, err
	}
	if network := sip.NetworkToLower(req.Transport()); network == "udp" {
		if ap, ok := s.Addr(network); ok {
			dlg.udpListener = sip.Addr{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
		}
	}
	sess.dlg = dlg
	if err := s.add(sess); err != nil {
		_ = sess.media.Close()
		return nil, nil, err
	}
	return sess, body, nil
}

// streamParams turns a negotiated stream into media parameters.
func streamParams(st negotiate.Stream, ch media.Channel) media.StreamParams {
	p := media.StreamParams{
		Label:    st.Label,
		Port:     st.LocalPort,
		Payloads: map[uint8]media.Codec{},
		Channel:  ch,
	}
	if st.RemoteAddr.IsValid() {
		p.Peer = netipAddrPort(st.RemoteAddr, st.RemotePort)
	}
	if c := media.CodecByName(st.Codec.Name, st.Codec.ClockRate); c != media.CodecNone {
		p.Payloads[st.Codec.PT] = c
	}
	if st.DTMF.Name != "" {
		p.Payloads[st.DTMF.PT] = media.CodecTelephoneEvent
	}
	if st.SRTP && !st.RemoteKey.IsZero() {
		p.SRTP = &media.SRTPParams{Profile: st.RemoteKey.Profile, Key: st.RemoteKey.Key, Salt: st.RemoteKey.Salt}
	}
	return p
}

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

// info summarises the session for the gate's admin view.
func (sess *session) info() gate.SessionInfo {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	var parts []string
	for _, p := range sess.participantsLocked() {
		label := p.AOR
		if p.Role != "" {
			label += " (" + p.Role + ")"
		}
		parts = append(parts, label)
	}
	return gate.SessionInfo{Source: sess.dlg.source, CallID: string(sess.dlg.callID), Participants: parts, StartedAt: sess.offered}
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
