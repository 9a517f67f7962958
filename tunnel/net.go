package tunnel

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.zx2c4.com/wireguard/tun/netstack"
)

// The dial and listen methods run inside the tunnel's own TCP/IP stack
// (gVisor netstack through gonet): their connections are net.Conn,
// net.Listener and net.PacketConn, so net/http, gorilla/websocket and the
// like run over them unchanged. Addresses are IP:port inside the tunnel:
// there is no DNS in it.

// DialContext connects to address inside the tunnel. network is "tcp",
// "tcp4", "tcp6", "udp", "udp4" or "udp6"; address is IP:port. It has the
// signature of net.Dialer.DialContext, so it plugs into http.Transport and
// websocket.Dialer as NetDialContext.
func (t *Tunnel) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	tnet, err := t.stack()
	if err != nil {
		return nil, fmt.Errorf("tunnel: dial %s %s: %w", network, address, err)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil || ap.Port() == 0 || ap.Addr().IsUnspecified() {
		return nil, fmt.Errorf("%w: dial %s %q", ErrAddress, network, address)
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	stream, err := t.network(network, ap.Addr())
	if err != nil {
		return nil, err
	}
	if stream {
		c, err := tnet.DialContextTCPAddrPort(ctx, ap)
		if err != nil {
			return nil, fmt.Errorf("tunnel: dial %s %s: %w", network, address, err)
		}
		return c, nil
	}
	c, err := tnet.DialUDPAddrPort(netip.AddrPort{}, ap)
	if err != nil {
		return nil, fmt.Errorf("tunnel: dial %s %s: %w", network, address, err)
	}
	return c, nil
}

// Listen listens for TCP connections inside the tunnel. network is "tcp",
// "tcp4" or "tcp6"; address is IP:port, or :port for the tunnel's own
// address (its first IPv4 one for "tcp"). Port 0 picks a free port.
func (t *Tunnel) Listen(network, address string) (net.Listener, error) {
	tnet, ap, err := t.listenAddr(network, address, true)
	if err != nil {
		return nil, err
	}
	l, err := tnet.ListenTCPAddrPort(ap)
	if err != nil {
		return nil, fmt.Errorf("tunnel: listen %s %s: %w", network, address, err)
	}
	return l, nil
}

// ListenPacket listens for UDP datagrams inside the tunnel. network is
// "udp", "udp4" or "udp6"; address is as for Listen.
func (t *Tunnel) ListenPacket(network, address string) (net.PacketConn, error) {
	tnet, ap, err := t.listenAddr(network, address, false)
	if err != nil {
		return nil, err
	}
	c, err := tnet.ListenUDPAddrPort(ap)
	if err != nil {
		return nil, fmt.Errorf("tunnel: listen %s %s: %w", network, address, err)
	}
	return c, nil
}

// stack is the running netstack, or why there is none.
func (t *Tunnel) stack() (*netstack.Net, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state {
	case stateUp:
		return t.run.tnet, nil
	case stateClosed:
		return nil, ErrClosed
	}
	return nil, ErrNotStarted
}

// listenAddr parses a listen address: an empty or unspecified host is the
// tunnel's own address of the network's family.
func (t *Tunnel) listenAddr(network, address string, stream bool) (*netstack.Net, netip.AddrPort, error) {
	tnet, err := t.stack()
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("tunnel: listen %s %s: %w", network, address, err)
	}
	host, portText, err := net.SplitHostPort(address)
	port, perr := strconv.ParseUint(portText, 10, 16)
	if err != nil || perr != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("%w: listen %s %q", ErrAddress, network, address)
	}
	var addr netip.Addr
	if host != "" {
		if addr, err = netip.ParseAddr(host); err != nil {
			return nil, netip.AddrPort{}, fmt.Errorf("%w: listen %s %q", ErrAddress, network, address)
		}
		addr = addr.Unmap()
	}
	if !addr.IsValid() || addr.IsUnspecified() {
		if addr, err = t.ownAddr(network, addr); err != nil {
			return nil, netip.AddrPort{}, err
		}
	}
	if s, err := t.network(network, addr); err != nil {
		return nil, netip.AddrPort{}, err
	} else if s != stream {
		return nil, netip.AddrPort{}, fmt.Errorf("%w: %q here", ErrNetwork, network)
	}
	return tnet, netip.AddrPortFrom(addr, uint16(port)), nil
}

// ownAddr is the tunnel's first address that suits network (and the
// family of an unspecified address, if one was given).
func (t *Tunnel) ownAddr(network string, unspec netip.Addr) (netip.Addr, error) {
	want4, want6 := true, true
	switch {
	case unspec.Is4() || network == "tcp4" || network == "udp4":
		want6 = false
	case unspec.Is6() || network == "tcp6" || network == "udp6":
		want4 = false
	}
	var first netip.Addr
	for _, p := range t.s.Addresses {
		a := p.Addr()
		if a.Is4() && want4 {
			return a, nil
		}
		if a.Is6() && want6 && !first.IsValid() {
			first = a
		}
	}
	if !first.IsValid() {
		return first, fmt.Errorf("%w: %q: the tunnel has no address of that family", ErrNetwork, network)
	}
	return first, nil
}

// network checks network against addr's family and the tunnel's addresses,
// and says whether it is a stream (TCP) network.
func (t *Tunnel) network(network string, addr netip.Addr) (stream bool, err error) {
	switch network {
	case "tcp", "udp":
	case "tcp4", "udp4":
		if !addr.Is4() {
			return false, fmt.Errorf("%w: %s with %v", ErrNetwork, network, addr)
		}
	case "tcp6", "udp6":
		if !addr.Is6() {
			return false, fmt.Errorf("%w: %s with %v", ErrNetwork, network, addr)
		}
	default:
		return false, fmt.Errorf("%w: %q", ErrNetwork, network)
	}
	for _, p := range t.s.Addresses {
		if p.Addr().Is4() == addr.Is4() {
			return network[:3] == "tcp", nil
		}
	}
	return false, fmt.Errorf("%w: %s to %v: the tunnel has no address of that family", ErrNetwork, network, addr)
}
