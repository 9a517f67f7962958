package srs

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Listen is one SIP listening socket: Network is udp, tcp or tls.
type Listen struct {
	Network string
	Addr    string
}

// bound is a listener that is open and served by sipgo.
type bound struct {
	network string
	addr    netip.AddrPort
	closer  interface{ Close() error }
}

// listen opens one socket per spec. On failure it closes what it opened.
func (s *Server) listen(ctx context.Context) error {
	var lc net.ListenConfig
	for _, l := range s.cfg.Listen {
		network := strings.ToLower(l.Network)
		var b bound
		switch network {
		case "udp":
			pc, err := lc.ListenPacket(ctx, "udp", l.Addr)
			if err != nil {
				return fmt.Errorf("srs: listen udp %s: %w", l.Addr, err)
			}
			b = bound{network: network, addr: addrPortOf(pc.LocalAddr()), closer: pc}
			s.wg.Go(func() { _ = s.sip.ServeUDP(pc) })
		case "tcp", "tls":
			ln, err := lc.Listen(ctx, "tcp", l.Addr)
			if err != nil {
				return fmt.Errorf("srs: listen %s %s: %w", network, l.Addr, err)
			}
			b = bound{network: network, addr: addrPortOf(ln.Addr()), closer: ln}
			if network == "tls" {
				if s.cfg.TLS == nil {
					_ = ln.Close()
					return fmt.Errorf("srs: listen tls %s: no TLS config", l.Addr)
				}
				tln := tls.NewListener(ln, s.cfg.TLS)
				s.wg.Go(func() { _ = s.sip.ServeTLS(tln) })
			} else {
				s.wg.Go(func() { _ = s.sip.ServeTCP(ln) })
			}
		default:
			return fmt.Errorf("srs: unknown transport %q", l.Network)
		}
		s.bound = append(s.bound, b)
		s.log.Info("sip listening", "transport", network, "addr", b.addr.String())
	}
	return nil
}

// Addr returns the bound address for a transport ("udp", "tcp", "tls"),
// so tests and the lab can listen on port 0.
func (s *Server) Addr(network string) (netip.AddrPort, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bound {
		if b.network == network {
			return b.addr, true
		}
	}
	return netip.AddrPort{}, false
}

func addrPortOf(a net.Addr) netip.AddrPort {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.AddrPort()
	case *net.TCPAddr:
		return v.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}
