package srs_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/srs"
)

// pendingCall sets up an answered, acknowledged Oracle call over network
// and waits until the gate has it pending.
func pendingCall(t *testing.T, h *harness, network string) (*sbc, *call, oracleCall, sdpDoc) {
	t.Helper()
	s := newSBC(t, h, network)
	o := newOracleCall()
	c := s.newCall()
	c.headers = oracleHeaders
	res := c.answer(multipartCT, o.body(t))
	h.waitState(c.callID, gate.StatePending)
	return s, c, o, parseSDP(t, res.body)
}

// TestActivationRefused: how the SBC's final answer to our re-INVITE
// decides the session. A refusal leaves it pending (the next CTI start
// retries); 481 means the dialog is gone; a multipart answer's metadata is
// taken in.
func TestActivationRefused(t *testing.T) {
	t.Parallel()
	t.Run("488 then retry", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		_, c, o, _ := pendingCall(t, h, "udp")
		h.deliver(ctiStart(o.ucid))
		req, _ := expectReinvite(t, c, "recvonly", o.labels[:]...)
		c.reply(req, 488, "Not Acceptable Here", "", nil)
		h.waitMetric(1, "cogito_edge_sip_our_reinvites_total", "direction", "recvonly", "result", "failed")
		h.waitMetric(1, "cogito_edge_gate_leg_errors_total", "op", "activate")
		h.waitState(c.callID, gate.StatePending)
		// The recording stays closed to audio until a retry succeeds.
		if r := h.deliver(ctiStart(o.ucid)); r.Outcome != gate.Matched {
			t.Fatalf("second CTI start outcome %s", r.Outcome)
		}
		activate(t, h, c, o.sdp(382446), o.labels[:]...)
	})
	t.Run("481 ends the session", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		s, c, o, _ := pendingCall(t, h, "tcp")
		h.deliver(ctiStart(o.ucid))
		req, _ := expectReinvite(t, c, "recvonly", o.labels[:]...)
		c.reply(req, 481, "Call/Transaction Does Not Exist", "", nil)
		eventually(t, "session removed", func() bool { return h.srv.Len() == 0 })
		eventually(t, "gate session ended", func() bool { _, ok := h.session(c.callID); return !ok })
		s.absent("BYE for a dialog the SBC does not know", 300*time.Millisecond, request(c.callID, "BYE"))
		h.waitMetric(0, "cogito_edge_media_ports_used")
	})
	t.Run("multipart answer with metadata", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		_, c, o, _ := pendingCall(t, h, "tcp")
		h.deliver(ctiStart(o.ucid))
		req, _ := expectReinvite(t, c, "recvonly", o.labels[:]...)
		const cnv = "0b7a9c1e-2d3f-4a5b-8c6d-7e8f9a0b1c2d"
		md := oracleMeta{UCID: o.ucid, CNV: cnv, Labels: o.labels}.render(t)
		c.reply(req, 200, "OK", multipartCT, multipart(sdpPart(o.sdp(382446)), metadataPart(md)))
		c.s.expect("ACK", request(c.callID, "ACK"))
		h.waitState(c.callID, gate.StateActive)
		h.waitMetric(1, "cogito_edge_sip_our_reinvites_total", "direction", "recvonly", "result", "ok")
	})
}

// TestByeDuringActivation: the SBC hangs up while our re-INVITE is in
// flight. The BYE wins: the session and its recording end, and the
// abandoned re-INVITE leaves nothing behind.
func TestByeDuringActivation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, c, o, _ := pendingCall(t, h, "tcp")
	h.deliver(ctiStart(o.ucid))
	expectReinvite(t, c, "recvonly", o.labels[:]...)
	if res := c.request("BYE", nil, "", nil); res.status != 200 {
		t.Fatalf("BYE answered %d", res.status)
	}
	eventually(t, "session removed", func() bool { return h.srv.Len() == 0 })
	eventually(t, "gate session ended", func() bool { _, ok := h.session(c.callID); return !ok })
	h.waitMetric(0, "cogito_edge_media_ports_used")
	if r := h.rec.find(ucidKey(t, o.ucid)); r != nil {
		eventually(t, "recording closed", func() bool { _, _, closed, _ := r.state(); return closed })
	}
}

// TestUpdateDuringOurReinvite: an UPDATE with only metadata carries no
// offer, so it is answered 200 even while our re-INVITE is in flight; one
// with SDP glares (491).
func TestUpdateDuringOurReinvite(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, c, o, _ := pendingCall(t, h, "tcp")
	h.deliver(ctiStart(o.ucid))
	req, _ := expectReinvite(t, c, "recvonly", o.labels[:]...)

	const cnv = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	md := oracleMeta{UCID: o.ucid, CNV: cnv, Labels: o.labels}.render(t)
	up := c.request("UPDATE", nil, "application/rs-metadata+xml", []byte(md))
	if up.status != 200 {
		t.Errorf("metadata-only UPDATE during our re-INVITE answered %d %s, want 200", up.status, up.get("Warning"))
	}
	up = c.request("UPDATE", nil, multipartCT, multipart(sdpPart(o.sdp(382446)), metadataPart(md)))
	if up.status != 491 {
		t.Errorf("UPDATE with SDP during our re-INVITE answered %d, want 491", up.status)
	}
	c.reply(req, 200, "OK", "application/sdp", []byte(o.sdp(382447)))
	c.s.expect("ACK", request(c.callID, "ACK"))
	snap := h.waitState(c.callID, gate.StateActive)
	if !strings.Contains(strings.Join(keyStrings(snap), " "), cnv) {
		t.Errorf("keys %v lack the conversation id the UPDATE taught", keyStrings(snap))
	}
}

func keyStrings(s gate.Snapshot) []string {
	var out []string
	for _, k := range s.Keys.Keys() {
		out = append(out, k.String())
	}
	return out
}

// TestReinviteRefused: bad re-offers are refused and the dialog carries on
// as it was: the next refresh is answered with our unchanged SDP.
func TestReinviteRefused(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		body    func(t *testing.T, o oracleCall) (string, []byte)
		seqStep int // CSeq relative to the last one; 0 means +1
		code    int
		outcome string
	}{
		"fewer m-lines": {
			body: func(t *testing.T, o oracleCall) (string, []byte) {
				return "application/sdp", []byte(sdpOffer(382446, oracleLine(o.ports[0], o.labels[0])))
			},
			code: 488, outcome: "bad_reoffer",
		},
		"unparsable SDP": {
			body: func(t *testing.T, o oracleCall) (string, []byte) {
				return "application/sdp", []byte("v=0\r\nm=audio x RTP/AVP 0\r\n")
			},
			code: 400, outcome: "bad_sdp",
		},
		"hostile metadata": {
			body: func(t *testing.T, o oracleCall) (string, []byte) {
				return multipartCT, multipart(sdpPart(o.sdp(382446)), metadataPart(fixture(t, "billion-laughs.xml")))
			},
			code: 400, outcome: "hostile_metadata",
		},
		"CSeq going backwards": {
			body: func(t *testing.T, o oracleCall) (string, []byte) {
				return multipartCT, o.body(t)
			},
			seqStep: -50, code: 500, outcome: "cseq",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			s, c, o, first := pendingCall(t, h, "udp")
			ct, body := tc.body(t, o)
			if tc.seqStep != 0 {
				c.cseq += uint32(tc.seqStep)
			}
			res := c.request("INVITE", nil, ct, body)
			if res.status != tc.code {
				t.Fatalf("re-INVITE answered %d %s, want %d", res.status, res.get("Warning"), tc.code)
			}
			c.ackFinal(res)
			if tc.seqStep != 0 {
				c.cseq += uint32(-tc.seqStep)
			}
			h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", tc.outcome)
			// Still the same dialog, still pending, answering refreshes as before.
			re := c.request("INVITE", nil, multipartCT, o.body(t))
			if re.status != 200 {
				t.Fatalf("refresh after the refusal answered %d %s", re.status, re.get("Warning"))
			}
			c.ack()
			checkLines(t, parseSDP(t, re.body), "inactive", o.labels[:]...)
			if d := parseSDP(t, re.body); d.media[0].port != first.media[0].port {
				t.Errorf("port moved from %d to %d", first.media[0].port, d.media[0].port)
			}
			s.absent("BYE", 100*time.Millisecond, request(c.callID, "BYE"))
			h.waitState(c.callID, gate.StatePending)
		})
	}
}

// TestMaxSessionsConcurrent: INVITEs arriving together cannot overshoot
// max_sessions.
func TestMaxSessionsConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withSIP(func(c *srs.Config) { c.MaxSessions = 2 }))
	s := newSBC(t, h, "tcp")
	var calls []*call
	var burst []byte
	for range 6 {
		c := s.newCall()
		c.headers = oracleHeaders
		c.cseq++
		c.invite.seq, c.invite.branch = c.cseq, "z9hG4bK"+randHex(8)
		burst = append(burst, c.build("INVITE", c.cseq, c.invite.branch, c.headers, multipartCT, newOracleCall().body(t))...)
		calls = append(calls, c)
	}
	s.send(burst)
	answered := 0
	for _, c := range calls {
		res := s.expect("final response", response(c.callID, "INVITE", c.invite.seq))
		c.ackFinal(res)
		switch res.status {
		case 200:
			answered++
		case 503:
		default:
			t.Errorf("INVITE answered %d", res.status)
		}
	}
	if answered != 2 {
		t.Errorf("%d of 6 concurrent INVITEs answered with max_sessions 2", answered)
	}
	eventually(t, "two dialogs", func() bool { return h.srv.Len() == 2 })
	h.waitMetric(4, "cogito_edge_media_ports_used")
}

// TestSessionTimerUnsupported: Session-Expires from an SBC that does not
// list "timer" (a proxy added it) gets no Require: timer back (RFC 4028 §9).
func TestSessionTimerUnsupported(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := newSBC(t, h, "udp")
	c := s.newCall()
	c.headers = []string{"Require: siprec"}
	res := c.answer(multipartCT, newOracleCall().body(t), "Session-Expires: 1800")
	if strings.Contains(res.get("Require"), "timer") {
		t.Errorf("Require %q to an SBC without timer support", res.get("Require"))
	}
}

// TestHold: a CTI hold pauses the recording; with gate.hold inactive the
// SBC is re-INVITEd a=inactive and, on resume, recvonly again.
func TestHold(t *testing.T) {
	t.Parallel()
	for _, inactive := range []bool{false, true} {
		name := "pause only"
		if inactive {
			name = "re-INVITE inactive"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withSIP(func(c *srs.Config) { c.HoldInactive = inactive }))
			s, c, o, _ := pendingCall(t, h, "tcp")
			h.deliver(ctiStart(o.ucid))
			activate(t, h, c, o.sdp(382446), o.labels[:]...)
			rec := h.rec.find(ucidKey(t, o.ucid))

			h.deliver(cti.Event{Type: cti.Hold, UCID: o.ucid})
			if inactive {
				req, _ := expectReinvite(t, c, "inactive", o.labels[:]...)
				c.reply(req, 200, "OK", "application/sdp", []byte(strings.ReplaceAll(o.sdp(382447), "a=sendonly", "a=inactive")))
				s.expect("ACK", request(c.callID, "ACK"))
				h.waitMetric(1, "cogito_edge_sip_our_reinvites_total", "direction", "inactive", "result", "ok")
			} else {
				s.absent("re-INVITE on hold", 300*time.Millisecond, request(c.callID, "INVITE"))
			}
			h.waitState(c.callID, gate.StateHeld)
			eventually(t, "recording paused", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return rec.paused })

			h.deliver(cti.Event{Type: cti.Resume, UCID: o.ucid})
			if inactive {
				req, _ := expectReinvite(t, c, "recvonly", o.labels[:]...)
				c.reply(req, 200, "OK", "application/sdp", []byte(o.sdp(382448)))
				s.expect("ACK", request(c.callID, "ACK"))
				h.waitMetric(2, "cogito_edge_sip_our_reinvites_total", "direction", "recvonly", "result", "ok")
			}
			h.waitState(c.callID, gate.StateActive)
			eventually(t, "recording resumed", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return !rec.paused })

			// A refresh of the SBC's SDP in either state keeps our answer.
			re := c.request("INVITE", nil, "application/sdp", []byte(o.sdp(382448)))
			c.ackFinal(re)
			if re.status != 200 || !bytes.Contains(re.body, []byte("a=recvonly")) {
				t.Errorf("refresh while active answered %d:\n%s", re.status, re.body)
			}
		})
	}
}

// TestRecordRoute: with a Record-Route in the SBC's INVITE, our in-dialog
// requests (re-INVITE, its ACK, BYE) carry the route set and go to the
// first hop, with the SBC's Contact as Request-URI (RFC 3261 §12.2.1.1).
func TestRecordRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := newSBC(t, h, "udp")
	proxy := newSBC(t, h, "udp") // a loose-routing hop in front of the SBC
	route := "<sip:127.0.0.1:" + strings.Split(proxy.local.String(), ":")[1] + ";lr>"
	o := newOracleCall()
	c := s.newCall()
	c.headers = append(oracleHeaders, "Record-Route: "+route)
	res := c.answer(multipartCT, o.body(t))
	if rr := res.get("Record-Route"); rr != route {
		t.Errorf("200 OK Record-Route %q, want %q copied", rr, route)
	}
	h.waitState(c.callID, gate.StatePending)
	h.deliver(ctiStart(o.ucid))

	pc := &call{s: proxy, callID: c.callID, fromTag: c.fromTag, toTag: c.toTag}
	req, _ := expectReinvite(t, pc, "recvonly", o.labels[:]...)
	if got := req.get("Route"); got != route {
		t.Errorf("re-INVITE Route %q, want %q", got, route)
	}
	if !strings.Contains(req.uri, s.local.String()) {
		t.Errorf("re-INVITE Request-URI %q, want the SBC's Contact %s", req.uri, s.local)
	}
	pc.reply(req, 200, "OK", "application/sdp", []byte(o.sdp(382446)))
	seq, _ := req.cseq()
	ack := proxy.expect("ACK through the route", ackOf(c.callID, seq))
	if ack.get("Route") != route {
		t.Errorf("ACK Route %q", ack.get("Route"))
	}
	h.waitState(c.callID, gate.StateActive)
}

// TestUnspecifiedListener: with sip.listen on 0.0.0.0 (the production
// form), our requests still come from the listening socket and carry a
// Via sent-by the SBC can answer, and our Contact is a usable address.
func TestUnspecifiedListener(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withSIP(func(c *srs.Config) {
		c.Listen = []srs.Listen{{Network: "udp", Addr: "0.0.0.0:0"}, {Network: "tcp", Addr: "0.0.0.0:0"}}
	}))
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			s := newSBC(t, h, network)
			proxy := newSBC(t, h, network)
			o := newOracleCall()
			c := s.newCall()
			c.headers = oracleHeaders
			if network == "udp" {
				// A hop the listener has never heard from.
				c.headers = append(c.headers, "Record-Route: <sip:"+proxy.local.String()+";lr>")
			}
			res := c.answer(multipartCT, o.body(t))
			if contact := res.get("Contact"); strings.Contains(contact, "0.0.0.0") || strings.Contains(contact, "[::]") {
				t.Errorf("Contact %q is not an address the SBC can reach", contact)
			}
			h.waitState(c.callID, gate.StatePending)
			h.deliver(ctiStart(o.ucid))
			to := c
			if network == "udp" {
				to = &call{s: proxy, callID: c.callID, fromTag: c.fromTag, toTag: c.toTag}
			}
			req, _ := expectReinvite(t, to, "recvonly", o.labels[:]...)
			via := req.get("Via")
			if strings.Contains(via, "0.0.0.0") || strings.Contains(via, "::") {
				t.Errorf("re-INVITE Via %q: sent-by is the unspecified address", via)
			}
			to.reply(req, 200, "OK", "application/sdp", []byte(o.sdp(382446)))
			seq, _ := req.cseq()
			to.s.expect("ACK", ackOf(c.callID, seq))
			h.waitState(c.callID, gate.StateActive)
		})
	}
}

// TestGateRefuses: when the gate takes no more sessions (it is draining)
// the INVITE is refused 503 before any answer, rather than answered and
// then ended with a BYE ahead of the SBC's ACK.
func TestGateRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if err := h.gate.Drain(t.Context()); err != nil {
		t.Fatalf("gate.Drain: %v", err)
	}
	s := newSBC(t, h, "udp")
	c := s.newCall()
	c.headers = oracleHeaders
	seq := c.sendInvite(nil, multipartCT, newOracleCall().body(t))
	res := s.expect("final response", response(c.callID, "INVITE", seq))
	if res.status != 503 || res.get("Retry-After") == "" {
		t.Fatalf("INVITE answered %d Retry-After %q, want 503 with Retry-After", res.status, res.get("Retry-After"))
	}
	c.ackFinal(res)
	s.absent("BYE", 300*time.Millisecond, request(c.callID, "BYE"))
	h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", "gate_refused")
	eventually(t, "no dialog", func() bool { return h.srv.Len() == 0 })
	h.waitMetric(0, "cogito_edge_media_ports_used")
}
