package srs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/srs"
)

func ctiStart(ucid string) cti.Event {
	return cti.Event{Type: cti.Start, UCID: ucid, AgentID: "agent-7", Direction: cti.Inbound}
}

// expectReinvite waits for our re-INVITE and checks that it offers every
// m-line with dir and the labels in order.
func expectReinvite(t testing.TB, c *call, dir string, labels ...string) (*msg, sdpDoc) {
	t.Helper()
	req := c.s.expect("our re-INVITE", request(c.callID, "INVITE"))
	if req.tag("From") != c.toTag || req.tag("To") != c.fromTag {
		t.Errorf("re-INVITE tags From %q To %q, want %q and %q", req.tag("From"), req.tag("To"), c.toTag, c.fromTag)
	}
	if ct := req.get("Content-Type"); ct != "application/sdp" {
		t.Errorf("re-INVITE Content-Type %q", ct)
	}
	if !strings.Contains(req.get("Contact"), "+sip.srs") {
		t.Errorf("re-INVITE Contact %q lacks +sip.srs", req.get("Contact"))
	}
	d := parseSDP(t, req.body)
	checkLines(t, d, dir, labels...)
	return req, d
}

// activate plays the SBC's side of an activation: our re-INVITE offers
// recvonly, the SBC answers with answer, and we ACK. It returns our offer.
func activate(t testing.TB, h *harness, c *call, answer string, labels ...string) sdpDoc {
	t.Helper()
	req, d := expectReinvite(t, c, "recvonly", labels...)
	c.reply(req, 200, "OK", "application/sdp", []byte(answer))
	seq, _ := req.cseq()
	c.s.expect("ACK of the re-INVITE's 2xx", ackOf(c.callID, seq))
	h.waitState(c.callID, gate.StateActive)
	return d
}

// ackOf matches the server's ACK with CSeq number seq.
func ackOf(callID string, seq uint32) func(*msg) bool {
	return func(m *msg) bool {
		n, _ := m.cseq()
		return request(callID, "ACK")(m) && n == seq
	}
}

// answerSDP is the SBC's answer to our recvonly re-INVITE: its streams
// sendonly on the legs' ports.
func (o oracleCall) answerSDP(ver int) string { return o.sdp(ver) }

// TestActivation: a CTI start for the call's UCID makes us re-INVITE the
// SBC recvonly on every m-line with the labels; once the SBC answers and
// we ACK, RTP from the advertised address is received and framed into the
// recording, both channels, and the BYE closes it.
func TestActivation(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"udp", "tcp", "tls"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			s := newSBC(t, h, network)
			legs := [2]*rtpLeg{newRTPLeg(t, 0x1111), newRTPLeg(t, 0x2222)}
			o := newOracleCall()
			o.ports = [2]int{legs[0].port(), legs[1].port()}
			c := s.newCall()
			c.headers = oracleHeaders
			res := c.answer(multipartCT, o.body(t))
			ans := parseSDP(t, res.body)
			h.waitState(c.callID, gate.StatePending)

			// Media sent before activation is dropped as inactive.
			legs[0].stream(ans.media[0].port, 3, 0x10)
			h.waitMetric(3, "cogito_edge_media_packets_dropped_total", "reason", "inactive")

			if r := h.deliver(ctiStart(o.ucid)); r.Outcome != gate.Matched {
				t.Fatalf("CTI start outcome %s, want matched", r.Outcome)
			}
			offer := activate(t, h, c, o.answerSDP(382446), o.labels[:]...)
			for i, m := range offer.media {
				if m.port != ans.media[i].port {
					t.Errorf("re-INVITE m-line %d port %d, want the answered %d", i, m.port, ans.media[i].port)
				}
			}
			if offer.version() <= ans.version() {
				t.Errorf("re-INVITE o= version %s not above the answer's %s", offer.version(), ans.version())
			}
			h.waitMetric(1, "cogito_edge_sip_our_reinvites_total", "direction", "recvonly", "result", "ok")

			legs[0].stream(ans.media[0].port, 10, 0x10)
			legs[1].stream(ans.media[1].port, 10, 0x90)
			h.waitMetric(20, "cogito_edge_media_packets_received_total")
			rec := h.rec.find(ucidKey(t, o.ucid))
			if rec == nil {
				t.Fatal("no recording opened")
			}
			eventually(t, "audio on both channels", func() bool {
				_, audible, _, _ := rec.state()
				return audible[0] > 0 && audible[1] > 0
			})
			if rec.meta.AgentID != "agent-7" || rec.meta.Direction != "inbound" {
				t.Errorf("recording meta agent %q direction %q", rec.meta.AgentID, rec.meta.Direction)
			}
			snap, _ := h.session(c.callID)
			st, ok := h.srv.MediaStats(snap.ID)
			if !ok || len(st.Streams) != 2 || st.Streams[0].Packets != 10 || st.Streams[1].Packets != 10 {
				t.Errorf("media stats %+v", st.Streams)
			}

			if res := c.request("BYE", nil, "", nil); res.status != 200 {
				t.Fatalf("BYE answered %d", res.status)
			}
			eventually(t, "recording closed", func() bool { _, _, closed, _ := rec.state(); return closed })
			if _, _, _, final := rec.state(); final.Reason != "bye" || len(final.Streams) != 2 {
				t.Errorf("final meta reason %q streams %d", final.Reason, len(final.Streams))
			}
			eventually(t, "session removed", func() bool { return h.srv.Len() == 0 })
			h.waitMetric(0, "cogito_edge_media_ports_used")
			h.waitMetric(0, "cogito_edge_sip_dialogs")
		})
	}
}

// TestActivationWaitsForAck: a CTI start that came before the INVITE waits
// in the early-event cache and activates the call, but never before the
// SBC has acknowledged our 2xx (RFC 3261 §14.1).
func TestActivationWaitsForAck(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withSIP(func(c *srs.Config) { c.AckTimeout = 10 * time.Second }))
			s := newSBC(t, h, network)
			o := newOracleCall()
			if r := h.deliver(ctiStart(o.ucid)); r.Outcome != gate.Cached {
				t.Fatalf("early CTI start outcome %s, want cached", r.Outcome)
			}
			c := s.newCall()
			c.headers = oracleHeaders
			c.inviteOK(multipartCT, o.body(t))
			s.absent("re-INVITE before our 2xx was ACKed", 1200*time.Millisecond, request(c.callID, "INVITE"))
			c.ack()
			activate(t, h, c, o.answerSDP(382446), o.labels[:]...)
			h.waitMetric(1, "cogito_edge_gate_cti_events_total", "type", "start", "outcome", "replayed")
		})
	}
}

// TestMatchTimeoutBye: with on_timeout bye, a session no CTI event claims
// is ended with our BYE.
func TestMatchTimeoutBye(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withGate(func(c *gate.Config) {
		c.MatchTimeout = 400 * time.Millisecond
		c.OnTimeout = gate.Bye
	}))
	s := newSBC(t, h, "udp")
	c := s.newCall()
	c.headers = oracleHeaders
	c.answer(multipartCT, newOracleCall().body(t))
	bye := s.expect("our BYE", request(c.callID, "BYE"))
	if !strings.Contains(bye.get("Reason"), "match-timeout") {
		t.Errorf("BYE Reason %q", bye.get("Reason"))
	}
	if bye.from == nil || bye.from.AddrPort() != h.addr("udp") {
		t.Errorf("BYE sent from %v, want our listening socket %v", bye.from, h.addr("udp"))
	}
	c.reply(bye, 200, "OK", "", nil)
	eventually(t, "session removed", func() bool { return h.srv.Len() == 0 })
	h.waitMetric(1, "cogito_edge_gate_transitions_total", "from", "pending", "to", "unmatched")
	h.waitMetric(0, "cogito_edge_media_ports_used")
}

// TestGlare: RFC 3261 §14.1. (a) The SBC answers our re-INVITE 491: we
// back off 0-2 s and the next attempt succeeds. (b) The SBC sends its own
// re-INVITE while ours is in flight: it gets 491 and may retry after.
func TestGlare(t *testing.T) {
	t.Parallel()
	t.Run("our re-INVITE gets 491", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		s := newSBC(t, h, "udp")
		o := newOracleCall()
		c := s.newCall()
		c.headers = oracleHeaders
		c.answer(multipartCT, o.body(t))
		h.waitState(c.callID, gate.StatePending)
		h.deliver(ctiStart(o.ucid))
		first, d1 := expectReinvite(t, c, "recvonly", o.labels[:]...)
		sent := time.Now()
		c.reply(first, 491, "Request Pending", "", nil)
		second, d2 := expectReinvite(t, c, "recvonly", o.labels[:]...)
		if wait := time.Since(sent); wait > 3*time.Second {
			t.Errorf("retry after %v, want within the 0-2 s back-off", wait)
		}
		n1, _ := first.cseq()
		n2, _ := second.cseq()
		if n2 <= n1 || d2.version() == d1.version() {
			t.Errorf("retry CSeq %d (first %d), o= version %s (first %s): want both to advance", n2, n1, d2.version(), d1.version())
		}
		c.reply(second, 200, "OK", "application/sdp", []byte(o.answerSDP(382446)))
		s.expect("ACK of the retry's 2xx", ackOf(c.callID, n2))
		h.waitState(c.callID, gate.StateActive)
		h.waitMetric(1, "cogito_edge_sip_glare_total")
		h.waitMetric(1, "cogito_edge_sip_our_reinvites_total", "direction", "recvonly", "result", "ok")
	})
	t.Run("SBC re-INVITE while ours is in flight", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		s := newSBC(t, h, "tcp")
		o := newOracleCall()
		c := s.newCall()
		c.headers = oracleHeaders
		c.answer(multipartCT, o.body(t))
		h.waitState(c.callID, gate.StatePending)
		h.deliver(ctiStart(o.ucid))
		ours, _ := expectReinvite(t, c, "recvonly", o.labels[:]...)

		body := multipart(sdpPart(o.sdp(382446)), metadataPart(o.meta(t)))
		res := c.request("INVITE", nil, multipartCT, body)
		if res.status != 491 {
			t.Fatalf("SBC re-INVITE during ours answered %d, want 491", res.status)
		}
		// The ACK of a non-2xx belongs to the INVITE's transaction.
		s.send(c.build("ACK", c.invite.seq, c.invite.branch, nil, "", nil))
		h.waitMetric(1, "cogito_edge_sip_glare_total")
		h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", "glare")

		c.reply(ours, 200, "OK", "application/sdp", []byte(o.answerSDP(382446)))
		s.expect("ACK of our re-INVITE's 2xx", request(c.callID, "ACK"))
		h.waitState(c.callID, gate.StateActive)

		// The SBC's retry now succeeds and, active, is answered recvonly.
		res = c.request("INVITE", nil, multipartCT, multipart(sdpPart(o.sdp(382447)), metadataPart(o.meta(t))))
		if res.status != 200 {
			t.Fatalf("SBC re-INVITE retry answered %d", res.status)
		}
		c.ack()
		checkLines(t, parseSDP(t, res.body), "recvonly", o.labels[:]...)
	})
}

// TestSRTP: an RTP/SAVP offer is answered RTP/SAVP with our own key; once
// active, SRTP under the SBC's key is decrypted and counted, and a packet
// with a broken authentication tag is dropped as srtp_auth_fail.
func TestSRTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := newSBC(t, h, "tls")
	legs := [2]*rtpLeg{newRTPLeg(t, 0x3333), newRTPLeg(t, 0x4444)}
	cryptos := [2]string{legs[0].withSRTP(), legs[1].withSRTP()}
	o := newOracleCall()
	offer := func(ver int) string {
		var lines []mline
		for i, l := range legs {
			lines = append(lines, mline{port: l.port(), proto: "RTP/SAVP", label: o.labels[i], crypto: cryptos[i]})
		}
		return sdpOffer(ver, lines...)
	}
	c := s.newCall()
	c.headers = oracleHeaders
	res := c.answer(multipartCT, multipart(sdpPart(offer(1)), metadataPart(o.meta(t))))
	ans := parseSDP(t, res.body)
	checkLines(t, ans, "inactive", o.labels[:]...)
	for i, m := range ans.media {
		cr, ok := m.attr("crypto")
		if m.proto != "RTP/SAVP" || !ok {
			t.Fatalf("m-line %d: proto %s crypto %q, want RTP/SAVP with a=crypto", i, m.proto, cr)
		}
		if !strings.HasPrefix(cr, "1 AES_CM_128_HMAC_SHA1_80 inline:") || cr == cryptos[i] {
			t.Errorf("m-line %d: a=crypto %q, want our own AES_CM_128_HMAC_SHA1_80 key under tag 1", i, cr)
		}
	}
	h.waitState(c.callID, gate.StatePending)
	h.deliver(ctiStart(o.ucid))
	d := activate(t, h, c, offer(2), o.labels[:]...)
	for i, m := range d.media {
		if cr, _ := m.attr("crypto"); m.proto != "RTP/SAVP" || cr == "" {
			t.Errorf("re-INVITE m-line %d: proto %s crypto %q", i, m.proto, cr)
		}
	}
	legs[0].stream(ans.media[0].port, 5, 0x10)
	legs[1].stream(ans.media[1].port, 5, 0x90)
	h.waitMetric(10, "cogito_edge_media_packets_received_total")
	rec := h.rec.find(ucidKey(t, o.ucid))
	eventually(t, "decrypted audio on both channels", func() bool {
		_, audible, _, _ := rec.state()
		return audible[0] > 0 && audible[1] > 0
	})

	bad := legs[0].packet(0x10)
	bad[len(bad)-1] ^= 0xFF
	legs[0].send(ans.media[0].port, bad)
	h.waitMetric(1, "cogito_edge_media_srtp_auth_failures_total")
	h.waitMetric(1, "cogito_edge_media_packets_dropped_total", "reason", "srtp_auth_fail")
	h.waitMetric(10, "cogito_edge_media_packets_received_total")
	snap, _ := h.session(c.callID)
	st, _ := h.srv.MediaStats(snap.ID)
	for i, ss := range st.Streams {
		if !ss.SRTP || ss.Packets != 5 {
			t.Errorf("stream %d: srtp %v packets %d, want SRTP and 5", i, ss.SRTP, ss.Packets)
		}
	}
}
