package srs_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/srs"
)

// options sends an out-of-dialog OPTIONS and returns the final response.
func (s *sbc) options() *msg {
	s.t.Helper()
	c := s.newCall()
	c.cseq++
	s.send(c.build("OPTIONS", c.cseq, "", []string{"Accept: application/sdp"}, "", nil))
	return s.expect("response to OPTIONS", response(c.callID, "OPTIONS", c.cseq))
}

// tinyPortRange is a media range with a single RTP/RTCP pair: too small
// for a call of two streams.
func tinyPortRange() string {
	var lo int
	_, _ = fmt.Sscanf(nextPortRange(), "%d-", &lo)
	return fmt.Sprintf("%d-%d", lo, lo+1)
}

// TestOptions: out-of-dialog OPTIONS is 200 only when we can take a call,
// else 503 with Retry-After so the SBC's recording group hunts on.
func TestOptions(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		opts    []option
		drain   bool
		code    int
		outcome string
		warning string
	}{
		"ready":           {code: 200, outcome: "ok"},
		"cti not ready":   {opts: []option{withReady(func() error { return errors.New("cti source disconnected") })}, code: 503, outcome: "not_ready", warning: "cti source disconnected"},
		"ports exhausted": {opts: []option{withPorts(tinyPortRange())}, code: 503, outcome: "not_ready", warning: "media port range exhausted"},
		"draining":        {drain: true, code: 503, outcome: "not_ready", warning: "draining"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.opts...)
			if tc.drain {
				h.srv.Drain()
			}
			for _, network := range []string{"udp", "tcp"} {
				res := newSBC(t, h, network).options()
				if res.status != tc.code {
					t.Fatalf("%s: OPTIONS answered %d %s, want %d", network, res.status, res.reason, tc.code)
				}
				if tc.code == 200 {
					for _, name := range []string{"Allow", "Accept", "Supported"} {
						if !res.has(name) {
							t.Errorf("200 to OPTIONS lacks %s", name)
						}
					}
					if !strings.Contains(res.get("Allow"), "INVITE") || !strings.Contains(res.get("Accept"), "application/rs-metadata+xml") {
						t.Errorf("Allow %q Accept %q", res.get("Allow"), res.get("Accept"))
					}
					continue
				}
				if res.get("Retry-After") != "7" {
					t.Errorf("Retry-After %q, want 7", res.get("Retry-After"))
				}
				if !strings.Contains(res.get("Warning"), tc.warning) {
					t.Errorf("Warning %q, want it to say %q", res.get("Warning"), tc.warning)
				}
			}
			h.waitMetric(2, "cogito_edge_sip_requests_total", "method", "OPTIONS", "outcome", tc.outcome)
			if err := h.srv.Ready(); (err == nil) != (tc.code == 200) {
				t.Errorf("Ready() = %v with OPTIONS %d", err, tc.code)
			}
		})
	}
}

// TestAccessAndCapacity: sources outside sip.allow get 403; calls beyond
// max_sessions and calls while draining get a fast 503 with Retry-After;
// live calls go on.
func TestAccessAndCapacity(t *testing.T) {
	t.Parallel()
	t.Run("source outside sip.allow", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, withAllow("10.0.0.0/8"))
		s := newSBC(t, h, "udp")
		c := s.newCall()
		c.headers = oracleHeaders
		seq := c.sendInvite(nil, multipartCT, newOracleCall().body(t))
		res := s.expect("403", response(c.callID, "INVITE", seq))
		if res.status != 403 || !strings.Contains(res.get("Warning"), "sip.allow") {
			t.Fatalf("INVITE from loopback answered %d (Warning %q), want 403 naming sip.allow", res.status, res.get("Warning"))
		}
		c.ackFinal(res)
		if res := s.options(); res.status != 403 {
			t.Errorf("OPTIONS answered %d, want 403", res.status)
		}
		h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", "forbidden")
		h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "OPTIONS", "outcome", "forbidden")
		// The ACK of the 403 is absorbed by its transaction; nothing else
		// may have created a dialog.
		if n := h.srv.Len(); n != 0 {
			t.Errorf("%d dialogs", n)
		}
	})
	t.Run("loopback allowed explicitly", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, withAllow("10.0.0.0/8", "127.0.0.0/8"))
		s := newSBC(t, h, "tcp")
		c := s.newCall()
		c.headers = oracleHeaders
		c.answer(multipartCT, newOracleCall().body(t))
	})
	t.Run("max sessions", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, withSIP(func(c *srs.Config) { c.MaxSessions = 1 }))
		s := newSBC(t, h, "udp")
		first := s.newCall()
		first.headers = oracleHeaders
		first.answer(multipartCT, newOracleCall().body(t))
		second := s.newCall()
		second.headers = oracleHeaders
		seq := second.sendInvite(nil, multipartCT, newOracleCall().body(t))
		res := s.expect("503", response(second.callID, "INVITE", seq))
		if res.status != 503 || res.get("Retry-After") != "7" {
			t.Fatalf("INVITE over capacity answered %d Retry-After %q, want 503 and 7", res.status, res.get("Retry-After"))
		}
		second.ackFinal(res)
		h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", "over_capacity")
		if res := s.options(); res.status != 503 {
			t.Errorf("OPTIONS at capacity answered %d, want 503", res.status)
		}
		// The first call ends; there is room again.
		if res := first.request("BYE", nil, "", nil); res.status != 200 {
			t.Fatalf("BYE answered %d", res.status)
		}
		third := s.newCall()
		third.headers = oracleHeaders
		third.answer(multipartCT, newOracleCall().body(t))
	})
	t.Run("draining", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		s := newSBC(t, h, "tcp")
		live := s.newCall()
		live.headers = oracleHeaders
		o := newOracleCall()
		live.answer(multipartCT, o.body(t))
		h.waitState(live.callID, gate.StatePending)
		h.srv.Drain()
		if !h.srv.Draining() {
			t.Fatal("Draining() = false after Drain")
		}
		c := s.newCall()
		c.headers = oracleHeaders
		seq := c.sendInvite(nil, multipartCT, newOracleCall().body(t))
		res := s.expect("503", response(c.callID, "INVITE", seq))
		if res.status != 503 || res.get("Retry-After") == "" {
			t.Fatalf("INVITE while draining answered %d Retry-After %q, want 503 with Retry-After", res.status, res.get("Retry-After"))
		}
		c.ackFinal(res)
		if res := s.options(); res.status != 503 {
			t.Errorf("OPTIONS while draining answered %d, want 503", res.status)
		}
		h.waitMetric(1, "cogito_edge_sip_requests_total", "method", "INVITE", "outcome", "draining")
		// The live call still activates and ends normally.
		h.deliver(ctiStart(o.ucid))
		activate(t, h, live, o.answerSDP(382446), o.labels[:]...)
		if res := live.request("BYE", nil, "", nil); res.status != 200 {
			t.Fatalf("BYE answered %d", res.status)
		}
	})
}
