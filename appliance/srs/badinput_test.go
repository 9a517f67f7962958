package srs_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cogito/cogito-edge/appliance/gate"
)

// TestBadInput: malformed and hostile INVITEs are refused with the right
// code and counted by reason, or answered when the call can still be
// recorded; either way nothing leaks and the next good call works.
func TestBadInput(t *testing.T) {
	t.Parallel()
	g729 := mline{fmts: "18 101", attrs: []string{"rtpmap:18 G729/8000", "rtpmap:101 telephone-event/8000"}}
	tests := map[string]struct {
		network string // default udp
		// invite returns the request's headers, Content-Type and body.
		invite  func(t *testing.T, o oracleCall) ([]string, string, []byte)
		code    int
		outcome string   // sip requests_total outcome
		metric  []string // a further counter: name, labels...
		metricN float64  // its value; 0 means 1
		check   func(t *testing.T, h *harness, o oracleCall, res *msg)
	}{
		"truncated multipart": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				b := o.body(t)
				cut := bytes.LastIndex(b, []byte("Content-Type: application/rs-metadata+xml"))
				return oracleHeaders, multipartCT, b[:cut+len("Content-Type: application/rs-meta")]
			},
			code: 400, outcome: "bad_body",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "bad_body"},
		},
		"no boundary": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				return oracleHeaders, "multipart/mixed", o.body(t)
			},
			code: 400, outcome: "bad_body",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "bad_body"},
		},
		"billion laughs": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				return oracleHeaders, multipartCT, multipart(sdpPart(o.sdp(1)), metadataPart(fixture(t, "billion-laughs.xml")))
			},
			code: 400, outcome: "hostile_metadata",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "hostile_metadata"},
		},
		"1 MiB body over TCP": {
			network: "tcp",
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				pad := part{ctype: "application/octet-stream", content: strings.Repeat("A", 1<<20)}
				return oracleHeaders, multipartCT, multipart(sdpPart(o.sdp(1)), metadataPart(o.meta(t)), pad)
			},
			code: 413, outcome: "too_large",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "body_too_large"},
		},
		"unparsable SDP": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio port RTP/AVP 0\r\n"
				return oracleHeaders, multipartCT, multipart(sdpPart(sdp), metadataPart(o.meta(t)))
			},
			code: 400, outcome: "bad_sdp",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "sdp"},
		},
		"not SDP at all": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				return oracleHeaders, multipartCT, multipart(sdpPart("hello\r\n"), metadataPart(o.meta(t)))
			},
			code: 400, outcome: "bad_sdp",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "sdp"},
		},
		"no SDP part": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				return oracleHeaders, multipartCT, multipart(metadataPart(o.meta(t)))
			},
			code: 400, outcome: "no_sdp",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "no_sdp"},
		},
		"unsupported content type": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				return oracleHeaders, "text/plain", []byte("hello")
			},
			code: 415, outcome: "content_type",
			check: func(t *testing.T, _ *harness, _ oracleCall, res *msg) {
				if !strings.Contains(res.get("Accept"), "application/sdp") {
					t.Errorf("415 Accept %q, want the types we take (RFC 3261 §21.4.13)", res.get("Accept"))
				}
			},
		},
		"INVITE without From tag": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				return oracleHeaders, multipartCT, o.body(t)
			},
			code: 400, outcome: "bad_request",
		},
		"second m-line G.729 only": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				l := g729
				l.port, l.label = o.ports[1], o.labels[1]
				sdp := sdpOffer(1, oracleLine(o.ports[0], o.labels[0]), l)
				return oracleHeaders, multipartCT, multipart(sdpPart(sdp), metadataPart(o.meta(t)))
			},
			code: 200, outcome: "answered",
			metric: []string{"cogito_edge_sip_rejected_media_lines_total", "reason", "no_codec"},
			check: func(t *testing.T, h *harness, o oracleCall, res *msg) {
				d := parseSDP(t, res.body)
				checkLines(t, d, "inactive", o.labels[:]...)
				if d.media[0].port == 0 || d.media[1].port != 0 {
					t.Errorf("ports %d and %d, want the first accepted and the G.729 line at 0", d.media[0].port, d.media[1].port)
				}
				if strings.Join(d.media[1].fmts, " ") != "18 101" {
					t.Errorf("rejected m-line formats %v, want the offer's echoed", d.media[1].fmts)
				}
				h.waitMetric(1, "cogito_edge_media_ports_used")
			},
		},
		"every m-line G.729 only": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				a, b := g729, g729
				a.port, a.label, b.port, b.label = o.ports[0], o.labels[0], o.ports[1], o.labels[1]
				return oracleHeaders, multipartCT, multipart(sdpPart(sdpOffer(1, a, b)), metadataPart(o.meta(t)))
			},
			code: 488, outcome: "no_usable_media",
			metric: []string{"cogito_edge_sip_rejected_media_lines_total", "reason", "no_codec"}, metricN: 2,
		},
		"Oracle's unescaped <sip:…> in apkt:request-uri": {
			invite: func(t *testing.T, o oracleCall) ([]string, string, []byte) {
				md := oracleMeta{UCID: o.ucid, Labels: o.labels, RequestURI: "<sip:1970900410@elr11.uhgvcc.globalipcom.com>"}.render(t)
				return oracleHeaders, multipartCT, multipart(sdpPart(o.sdp(1)), metadataPart(md))
			},
			code: 200, outcome: "answered",
			metric: []string{"cogito_edge_sip_bad_input_total", "reason", "malformed_metadata"},
			check: func(t *testing.T, h *harness, o oracleCall, res *msg) {
				snap := h.waitState(res.get("Call-ID"), gate.StatePending)
				if !snap.Keys.Has(ucidKey(t, o.ucid)) {
					t.Errorf("keys %v lack the UCID %s", snap.Keys.Keys(), o.ucid)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			network := tc.network
			if network == "" {
				network = "udp"
			}
			s := newSBC(t, h, network)
			o := newOracleCall()
			c := s.newCall()
			hdrs, ct, body := tc.invite(t, o)
			if name == "INVITE without From tag" {
				c.fromTag = ""
			}
			seq := c.sendInvite(hdrs, ct, body)
			res := s.expect("final response", response(c.callID, "INVITE", seq))
			if res.status != tc.code {
				t.Fatalf("INVITE answered %d %s, want %d:\n%s", res.status, res.reason, tc.code, res.get("Warning"))
			}
			if tc.code != 200 && !strings.HasPrefix(res.get("Warning"), "399 ") {
				t.Errorf("%d without a Warning saying why", res.status)
			}
			c.ackFinal(res)
			h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", tc.outcome)
			if tc.metric != nil {
				h.waitMetric(max(tc.metricN, 1), tc.metric[0], tc.metric[1:]...)
			}
			if tc.check != nil {
				tc.check(t, h, o, res)
			}
			wantDialogs := 0
			if tc.code == 200 {
				wantDialogs = 1
				h.waitState(c.callID, gate.StatePending)
			}
			if n := h.srv.Len(); n != wantDialogs {
				t.Errorf("%d dialogs after the request, want %d", n, wantDialogs)
			}
			if tc.code != 200 {
				h.waitMetric(0, "cogito_edge_media_ports_used")
			}

			// Bad input loses nothing: a good call on the same server works.
			good := s.newCall()
			good.headers = oracleHeaders
			og := newOracleCall()
			good.answer(multipartCT, og.body(t))
			h.waitState(good.callID, gate.StatePending)
			h.deliver(ctiStart(og.ucid))
			activate(t, h, good, og.answerSDP(382446), og.labels[:]...)
		})
	}
}
