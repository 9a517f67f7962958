package srs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/srs"
)

// TestInviteAnsweredInactive is the basic SIPREC INVITE of an Oracle SBC
// over every transport: 200 OK with the same m-lines in the same order,
// labels echoed, every stream a=inactive, our Contact with +sip.srs, and a
// To tag that every retransmission of the 2xx repeats.
func TestInviteAnsweredInactive(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"udp", "tcp", "tls"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			s := newSBC(t, h, network)
			c := s.newCall()
			c.headers = append(oracleHeaders,
				"Cisco-Gucid: 00071252811778010124",
				"User-to-User: 04FA08004762C169FA480CC8143030303731323532383131373738303130313234;encoding=hex")
			o := newOracleCall()
			res := c.inviteOK(multipartCT, o.body(t))

			if ct := res.get("Content-Type"); ct != "application/sdp" {
				t.Errorf("Content-Type %q, want application/sdp", ct)
			}
			contact := res.get("Contact")
			if !strings.Contains(contact, "+sip.srs") {
				t.Errorf("Contact %q lacks +sip.srs", contact)
			}
			if network != "udp" && !strings.Contains(contact, "transport="+network) {
				t.Errorf("Contact %q lacks transport=%s", contact, network)
			}
			if c.toTag == "" {
				t.Fatal("200 OK has no To tag")
			}
			d := parseSDP(t, res.body)
			checkLines(t, d, "inactive", o.labels[:]...)
			if d.conn != "IN IP4 127.0.0.1" {
				t.Errorf("c= %q, want IN IP4 127.0.0.1", d.conn)
			}
			for i, m := range d.media {
				if m.port < portBase || m.port >= portBase+portSpan || m.proto != "RTP/AVP" {
					t.Errorf("m-line %d: port %d proto %s, want a port of our range and RTP/AVP", i, m.port, m.proto)
				}
			}

			if network == "udp" {
				// Withhold the ACK: the 2xx is retransmitted (T1, 2T1, ...)
				// with the same tag and body.
				again := s.expect("retransmitted 200", response(c.callID, "INVITE", c.invite.seq))
				if again.tag("To") != c.toTag || string(again.body) != string(res.body) {
					t.Errorf("retransmission differs: tag %q body\n%s", again.tag("To"), again.body)
				}
				// An INVITE retransmission is absorbed by the transaction;
				// whatever comes back carries the same tag.
				s.send(c.build("INVITE", c.invite.seq, c.invite.branch, c.headers, multipartCT, o.body(t)))
				again = s.expect("200 after INVITE retransmission", response(c.callID, "INVITE", c.invite.seq))
				if again.tag("To") != c.toTag {
					t.Errorf("To tag changed from %q to %q", c.toTag, again.tag("To"))
				}
			}
			c.ack()
			snap := h.waitState(c.callID, gate.StatePending)
			for _, want := range []string{o.ucid, "004762C169FA480C"} {
				if !snap.Keys.Has(ucidKey(t, want)) {
					t.Errorf("session keys %v lack UCID %s", snap.Keys.Keys(), want)
				}
			}
			h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", "answered")
			h.waitMetric(1, "cogito_edge_sip_dialogs")
			if n := h.rec.len(); n != 0 {
				t.Errorf("%d recordings opened before any CTI match", n)
			}
			if network == "udp" {
				// Once acknowledged, the 2xx is not sent again.
				s.take(2*time.Second, response(c.callID, "INVITE", c.invite.seq)) // one may be in flight
				s.absent("200 after ACK", 1200*time.Millisecond, response(c.callID, "INVITE", c.invite.seq))
			}
		})
	}
}

// TestInviteNoAck: a 2xx that is never acknowledged is retransmitted until
// AckTimeout, then the session is torn down with our BYE.
func TestInviteNoAck(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withSIP(func(c *srs.Config) { c.AckTimeout = 1200 * time.Millisecond }))
	s := newSBC(t, h, "udp")
	c := s.newCall()
	c.headers = oracleHeaders
	o := newOracleCall()
	c.inviteOK(multipartCT, o.body(t))
	s.expect("retransmitted 200", response(c.callID, "INVITE", c.invite.seq))
	bye := s.expect("BYE after the ACK timeout", request(c.callID, "BYE"))
	if bye.tag("From") != c.toTag || bye.tag("To") != c.fromTag {
		t.Errorf("BYE tags From %q To %q, want %q and %q", bye.tag("From"), bye.tag("To"), c.toTag, c.fromTag)
	}
	c.reply(bye, 200, "OK", "", nil)
	h.waitMetric(1, "cogito_edge_sip_bad_input_total", "reason", "no_ack")
	eventually(t, "session removed", func() bool { return h.srv.Len() == 0 })
	eventually(t, "gate session ended", func() bool { _, ok := h.session(c.callID); return !ok })
	h.waitMetric(0, "cogito_edge_media_ports_used")
}

// TestInviteRecognition: what makes an INVITE a recording session (DESIGN
// §4): an rs-metadata part, Require: siprec or +sip.src in the Contact.
// A plain call is refused 488 with a Warning saying why.
func TestInviteRecognition(t *testing.T) {
	t.Parallel()
	plainContact := func(s *sbc) string { return "<sip:caller@" + s.local.String() + ">" }
	tests := map[string]struct {
		contact   func(*sbc) string // nil: the SBC's +sip.src Contact
		headers   []string
		body      func(t *testing.T, o oracleCall) (string, []byte)
		code      int
		outcome   string
		streams   int
		wantLabel bool
	}{
		"plain call": {
			contact: plainContact,
			body:    func(_ *testing.T, o oracleCall) (string, []byte) { return "application/sdp", []byte(o.sdp(1)) },
			code:    488, outcome: "not_siprec",
		},
		"broadworks: no Require, metadata first, part headers without space": {
			contact: plainContact,
			body: func(t *testing.T, o oracleCall) (string, []byte) {
				b := "\r\n--UniqueBroadWorksBoundary\r\nContent-Type:application/rs-metadata+xml\r\nContent-Disposition:recording-session\r\n\r\n" +
					o.meta(t) + "\r\n--UniqueBroadWorksBoundary\r\nContent-Type:application/sdp\r\n\r\n" + o.sdp(1) +
					"\r\n--UniqueBroadWorksBoundary--\r\n"
				return "multipart/mixed;boundary=UniqueBroadWorksBoundary", []byte(b)
			},
			code: 200, outcome: "answered", streams: 2, wantLabel: true,
		},
		"require 100rel,siprec": {
			contact: plainContact,
			headers: []string{"Require: 100rel,siprec", "Supported: timer"},
			body:    func(t *testing.T, o oracleCall) (string, []byte) { return multipartCT, o.body(t) },
			code:    200, outcome: "answered", streams: 2, wantLabel: true,
		},
		"+sip.src in Contact only, SDP only": {
			body: func(_ *testing.T, o oracleCall) (string, []byte) { return "application/sdp", []byte(o.sdp(1)) },
			code: 200, outcome: "answered", streams: 2, wantLabel: true,
		},
		"quoted boundary and rs-metadata without +xml": {
			contact: plainContact,
			body: func(t *testing.T, o oracleCall) (string, []byte) {
				b := multipart(sdpPart(o.sdp(1)), part{ctype: "application/rs-metadata", content: o.meta(t)})
				return `multipart/mixed; boundary="` + boundary + `"`, b
			},
			code: 200, outcome: "answered", streams: 2, wantLabel: true,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			s := newSBC(t, h, "udp")
			c := s.newCall()
			if tc.contact != nil {
				c.contact = tc.contact(s)
			}
			o := newOracleCall()
			ct, body := tc.body(t, o)
			seq := c.sendInvite(tc.headers, ct, body)
			res := s.expect("final response", response(c.callID, "INVITE", seq))
			if res.status != tc.code {
				t.Fatalf("INVITE answered %d %s, want %d:\n%s", res.status, res.reason, tc.code, res.raw)
			}
			h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", tc.outcome)
			if tc.code != 200 {
				if w := res.get("Warning"); !strings.HasPrefix(w, "399 ") || !strings.Contains(w, "SIPREC") {
					t.Errorf("Warning %q, want a 399 warning that names SIPREC", w)
				}
				c.ackFinal(res)
				if h.srv.Len() != 0 {
					t.Errorf("%d dialogs after a refused INVITE", h.srv.Len())
				}
				return
			}
			c.toTag = res.tag("To")
			c.ack()
			d := parseSDP(t, res.body)
			checkLines(t, d, "inactive", o.labels[:]...)
			h.waitState(c.callID, gate.StatePending)
		})
	}
}
