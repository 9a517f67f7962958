package tunnel

import (
	"errors"
	"net"
	"net/netip"
	"sync"

	"golang.zx2c4.com/wireguard/conn"
)

// udpBind is a conn.Bind over a single UDP socket: one bound to
// Config.ListenAddress, or the Config.PacketConn given. wireguard-go's own
// StdNetBind (used otherwise) always binds every address of both families.
type udpBind struct {
	listen func(port uint16) (net.PacketConn, error)

	mu sync.RWMutex // guards pc
	pc net.PacketConn
}

// addrPortConn is the allocation-free API of *net.UDPConn.
type addrPortConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
}

// newAddressBind binds a new socket on addr for each Open.
func newAddressBind(addr netip.Addr) *udpBind {
	return &udpBind{listen: func(port uint16) (net.PacketConn, error) {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, port)))
		if err != nil {
			return nil, err
		}
		growSocketBuffers(c)
		return c, nil
	}}
}

// newConnBind uses pc for the first Open; it cannot be opened again after
// Close, which closes pc.
func newConnBind(pc net.PacketConn) *udpBind {
	return &udpBind{listen: func(uint16) (net.PacketConn, error) {
		if pc == nil {
			return nil, net.ErrClosed
		}
		p := pc
		pc = nil // Open holds b.mu, so this is not racy
		return p, nil
	}}
}

// Open implements conn.Bind.
func (b *udpBind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pc != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	pc, err := b.listen(port)
	if err != nil {
		return nil, 0, err
	}
	b.pc = pc
	var actual uint16
	if ua, ok := pc.LocalAddr().(*net.UDPAddr); ok {
		actual = uint16(ua.Port)
	}
	return []conn.ReceiveFunc{receiveFunc(pc)}, actual, nil
}

// receiveFunc reads one datagram per call. It runs in one goroutine, so it
// may cache the endpoint of the last sender: the peer is nearly always the
// same, and a new endpoint per packet would allocate.
func receiveFunc(pc net.PacketConn) conn.ReceiveFunc {
	var last *endpoint
	fast, _ := pc.(addrPortConn)
	return func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		var (
			n   int
			ap  netip.AddrPort
			err error
		)
		if fast != nil {
			n, ap, err = fast.ReadFromUDPAddrPort(packets[0])
		} else {
			var a net.Addr
			n, a, err = pc.ReadFrom(packets[0])
			if err == nil {
				ap = addrPortOf(a)
			}
		}
		if err != nil {
			return 0, err
		}
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if last == nil || last.AddrPort != ap {
			last = &endpoint{AddrPort: ap}
		}
		sizes[0], eps[0] = n, last
		return 1, nil
	}
}

func addrPortOf(a net.Addr) netip.AddrPort {
	if ua, ok := a.(*net.UDPAddr); ok {
		return ua.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// Close implements conn.Bind: it closes the socket, which ends the
// receive function with net.ErrClosed.
func (b *udpBind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pc == nil {
		return nil
	}
	err := b.pc.Close()
	b.pc = nil
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// SetMark implements conn.Bind; marks are not used.
func (b *udpBind) SetMark(uint32) error { return nil }

// BatchSize implements conn.Bind: one datagram per call.
func (b *udpBind) BatchSize() int { return 1 }

// Send implements conn.Bind.
func (b *udpBind) Send(bufs [][]byte, ep conn.Endpoint) error {
	b.mu.RLock()
	pc := b.pc
	b.mu.RUnlock()
	if pc == nil {
		return net.ErrClosed
	}
	e, ok := ep.(*endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	fast, _ := pc.(addrPortConn)
	var ua *net.UDPAddr
	for _, buf := range bufs {
		var err error
		if fast != nil {
			_, err = fast.WriteToUDPAddrPort(buf, e.AddrPort)
		} else {
			if ua == nil {
				ua = net.UDPAddrFromAddrPort(e.AddrPort)
			}
			_, err = pc.WriteTo(buf, ua)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ParseEndpoint implements conn.Bind.
func (b *udpBind) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	return &endpoint{AddrPort: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}, nil
}

// endpoint is a peer's UDP address; the source address is left to the
// kernel.
type endpoint struct{ netip.AddrPort }

func (e *endpoint) ClearSrc()           {}
func (e *endpoint) SrcToString() string { return "" }
func (e *endpoint) DstToString() string { return e.AddrPort.String() }
func (e *endpoint) DstIP() netip.Addr   { return e.AddrPort.Addr() }
func (e *endpoint) SrcIP() netip.Addr   { return netip.Addr{} }

// DstToBytes is what the cookie MACs bind to: the address and port.
func (e *endpoint) DstToBytes() []byte {
	b, _ := e.AddrPort.MarshalBinary()
	return b
}
