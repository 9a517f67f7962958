package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// rtcpReadBuffer is the receive buffer asked for on the RTCP sockets. They
// are bound only to hold the port and to spare the SBC ICMP port-unreachable
// replies; nothing reads them, so the kernel drops what does not fit, and a
// small buffer keeps 4,000 idle sockets from pinning megabytes.
const rtcpReadBuffer = 4096

// PortPool leases RTP ports from a configured range. Each lease is an even
// RTP port p with p+1 reserved for RTCP; both are bound when leased, so a
// port another process holds is skipped at allocation instead of failing
// later. Allocate prefers a contiguous run (p, p+2, p+4, ...) and starts
// each search after the previous lease, so a released port is reused only
// after the whole range has turned over and late packets of an old call do
// not reach a new one.
//
// Lease ownership: ports returned by Allocate belong to the caller until
// they are passed to Session.AddStream, which takes over the bound sockets
// and releases the port when the session closes. Ports never handed to
// AddStream must be given back with Release.
type PortPool struct {
	addr  netip.Addr
	lo    int // first RTP port, even
	pairs int
	m     *Metrics

	// mu guards leased, held, cursor and free. Binding happens under mu:
	// allocations are rare (one per call) and binding is a short syscall.
	mu     sync.Mutex
	leased []bool             // by slot; slot i is RTP port lo+2i
	held   map[int]*boundPair // leased slots whose sockets no stream took yet
	cursor int                // slot where the next search starts
	free   int
}

// boundPair is a leased port's sockets between Allocate and AddStream.
type boundPair struct {
	rtp, rtcp *net.UDPConn
}

func (b *boundPair) close() {
	_ = b.rtp.Close()
	_ = b.rtcp.Close()
}

// NewPortPool returns a pool of the RTP ports in portRange ("20000-29999")
// on addr. It binds nothing until Allocate. m may be nil.
func NewPortPool(addr netip.Addr, portRange string, m *Metrics) (*PortPool, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("%w: address is not set", ErrConfig)
	}
	lo, pairs, err := parsePortRange(portRange)
	if err != nil {
		return nil, err
	}
	return newPortPool(addr.Unmap(), lo, pairs, m), nil
}

func newPortPool(addr netip.Addr, lo, pairs int, m *Metrics) *PortPool {
	if m == nil {
		m = NewMetrics(nil)
	}
	p := &PortPool{
		addr: addr, lo: lo, pairs: pairs, m: m,
		leased: make([]bool, pairs),
		held:   make(map[int]*boundPair),
		free:   pairs,
	}
	p.gaugesLocked()
	return p
}

// Size returns the number of RTP/RTCP port pairs in the range.
func (p *PortPool) Size() int { return p.pairs }

// Free returns the number of pairs not leased, for readiness and OPTIONS.
// A free port may still turn out to be bound by another process.
func (p *PortPool) Free() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.free
}

// Allocate leases n RTP ports, bound on the pool's address. It returns a
// contiguous run (p, p+2, ...) when one is free and bindable, otherwise
// scattered ports, and ErrPortsExhausted when fewer than n can be bound.
func (p *PortPool) Allocate(n int) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: allocate %d ports", ErrParams, n)
	}
	if n > p.pairs {
		return nil, fmt.Errorf("%w: %d ports asked of a range of %d", ErrPortsExhausted, n, p.pairs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n > p.free {
		return nil, fmt.Errorf("%w: %d asked, %d free", ErrPortsExhausted, n, p.free)
	}
	// failed remembers slots that would not bind during this call only:
	// the other process may let go of them later.
	failed := make(map[int]bool)
	got := p.runLocked(n, failed)
	if got == nil {
		got = p.scatteredLocked(n, failed)
	}
	if got == nil {
		return nil, fmt.Errorf("%w: %d asked, %d free but not bindable", ErrPortsExhausted, n, p.free-len(failed))
	}
	ports := make([]int, n)
	for i, b := range got {
		slot := b.slot
		p.leased[slot] = true
		p.held[slot] = b.pair
		ports[i] = p.lo + 2*slot
	}
	p.cursor = (got[n-1].slot + 1) % p.pairs
	p.free -= n
	p.gaugesLocked()
	return ports, nil
}

type boundSlot struct {
	slot int
	pair *boundPair
}

// runLocked looks for n contiguous free slots, starting at the cursor and
// wrapping; a run never wraps past the end of the range, since p+2 must be
// the next port number.
func (p *PortPool) runLocked(n int, failed map[int]bool) []boundSlot {
	for off := 0; off < p.pairs; off++ {
		start := (p.cursor + off) % p.pairs
		if start+n > p.pairs || !p.runFreeLocked(start, n, failed) {
			continue
		}
		got := make([]boundSlot, 0, n)
		for slot := start; slot < start+n; slot++ {
			pair, err := p.bind(slot)
			if err != nil {
				failed[slot] = true
				break
			}
			got = append(got, boundSlot{slot, pair})
		}
		if len(got) == n {
			return got
		}
		closeSlots(got)
	}
	return nil
}

func (p *PortPool) runFreeLocked(start, n int, failed map[int]bool) bool {
	for slot := start; slot < start+n; slot++ {
		if p.leased[slot] || failed[slot] {
			return false
		}
	}
	return true
}

// scatteredLocked takes the first n bindable free slots from the cursor.
func (p *PortPool) scatteredLocked(n int, failed map[int]bool) []boundSlot {
	got := make([]boundSlot, 0, n)
	for off := 0; off < p.pairs && len(got) < n; off++ {
		slot := (p.cursor + off) % p.pairs
		if p.leased[slot] || failed[slot] {
			continue
		}
		pair, err := p.bind(slot)
		if err != nil {
			failed[slot] = true
			continue
		}
		got = append(got, boundSlot{slot, pair})
	}
	if len(got) < n {
		closeSlots(got)
		return nil
	}
	return got
}

func closeSlots(got []boundSlot) {
	for _, b := range got {
		b.pair.close()
	}
}

// bind opens the RTP and RTCP sockets of a slot.
func (p *PortPool) bind(slot int) (*boundPair, error) {
	network := "udp4"
	if p.addr.Is6() {
		network = "udp6"
	}
	port := p.lo + 2*slot
	rtp, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.addr, uint16(port))))
	if err != nil {
		return nil, err
	}
	rtcp, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.addr, uint16(port+1))))
	if err != nil {
		_ = rtp.Close()
		return nil, err
	}
	_ = rtcp.SetReadBuffer(rtcpReadBuffer)
	return &boundPair{rtp: rtp, rtcp: rtcp}, nil
}

// take hands a leased port's sockets to a stream.
func (p *PortPool) take(port int) (*boundPair, error) {
	slot, ok := p.slot(port)
	if !ok {
		return nil, fmt.Errorf("%w: %d is not an RTP port of the range", ErrPortNotAllocated, port)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pair := p.held[slot]
	if !p.leased[slot] || pair == nil {
		return nil, fmt.Errorf("%w: %d is not leased or already in use", ErrPortNotAllocated, port)
	}
	delete(p.held, slot)
	return pair, nil
}

// giveBack returns a port's sockets that take handed out, when the stream
// could not be added after all; the lease stays with the caller.
func (p *PortPool) giveBack(port int, pair *boundPair) {
	slot, _ := p.slot(port)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.leased[slot] || p.held[slot] != nil {
		pair.close() // released meanwhile: nobody wants the sockets
		return
	}
	p.held[slot] = pair
}

// Release returns ports to the pool, closing their sockets if no stream
// took them. Ports that are not leased are ignored, so a double release is
// harmless as long as the port was not leased again in between.
func (p *PortPool) Release(ports ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, port := range ports {
		slot, ok := p.slot(port)
		if !ok || !p.leased[slot] {
			continue
		}
		if pair := p.held[slot]; pair != nil {
			pair.close()
			delete(p.held, slot)
		}
		p.leased[slot] = false
		p.free++
	}
	p.gaugesLocked()
}

// closeHeld closes the sockets of leases no stream took; the engine calls
// it on Close so a SIP layer that leaked a lease does not leak sockets.
func (p *PortPool) closeHeld() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for slot, pair := range p.held {
		errs = append(errs, pair.rtp.Close(), pair.rtcp.Close())
		delete(p.held, slot)
	}
	return errors.Join(errs...)
}

func (p *PortPool) slot(port int) (int, bool) {
	off := port - p.lo
	if off < 0 || off%2 != 0 || off/2 >= p.pairs {
		return 0, false
	}
	return off / 2, true
}

func (p *PortPool) gaugesLocked() {
	p.m.portsFree.Set(float64(p.free))
	p.m.portsUsed.Set(float64(p.pairs - p.free))
}
