package tunnel

import (
	"context"
	"fmt"
	"net/netip"
)

// resolve finds the endpoint's address: the literal one, or a lookup of
// its name. Among the addresses found it keeps current if it is still
// there (no needless move), else takes the first IPv4, else the first.
func (s *settings) resolve(ctx context.Context, current netip.AddrPort) (netip.AddrPort, error) {
	if s.literal.IsValid() {
		return s.literal, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.ResolveTimeout)
	defer cancel()
	addrs, err := s.Resolver.LookupNetIP(ctx, "ip", s.host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("tunnel: resolve endpoint %s: %w", s.host, err)
	}
	a, ok := pickAddr(addrs, current.Addr())
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("%w: %s", ErrResolve, s.host)
	}
	return netip.AddrPortFrom(a, s.port), nil
}

func pickAddr(addrs []netip.Addr, current netip.Addr) (netip.Addr, bool) {
	var first, first4 netip.Addr
	for _, a := range addrs {
		a = a.Unmap()
		if !a.IsValid() || a.IsUnspecified() {
			continue
		}
		if current.IsValid() && a == current {
			return a, true
		}
		if !first.IsValid() {
			first = a
		}
		if a.Is4() && !first4.IsValid() {
			first4 = a
		}
	}
	if first4.IsValid() {
		return first4, true
	}
	return first, first.IsValid()
}
