package srs

import (
	"net"
	"net/netip"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// guard wraps a handler with the source allow-list (DESIGN §3 sip.allow:
// empty means loopback only). A refused request gets 403; a refused ACK, which
// takes no response, is dropped.
func (s *Server) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !s.enter() {
			return // closed: sipgo's transactions are being torn down
		}
		defer s.busy.Done()
		src, ok := sourceAddr(req)
		if !ok || !s.allowed(src) {
			s.m.requests(req.Method, "forbidden")
			s.log.Warn("sip request from a source outside sip.allow", "method", req.Method, "source", req.Source())
			if !req.IsAck() {
				s.respond(tx, req, 403, "Forbidden", nil, warning("source not in sip.allow"))
			}
			return
		}
		h(req, tx)
	}
}

func (s *Server) allowed(a netip.Addr) bool {
	a = a.Unmap()
	allow := *s.allow.Load()
	if len(allow) == 0 {
		return a.IsLoopback()
	}
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// SetAllow replaces the source allow-list (sip.allow) on a live server, for
// SIGHUP. Empty means loopback only.
func (s *Server) SetAllow(allow []netip.Prefix) {
	cp := append([]netip.Prefix(nil), allow...)
	s.allow.Store(&cp)
}

// sourceAddr is the network source of a received request.
func sourceAddr(req *sip.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(req.Source())
	if err != nil {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a, true
}
