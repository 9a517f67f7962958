package callgen

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// leg is one RTP sender: its own UDP socket (bound to the port advertised in
// the SDP offer, because the SRS accepts media only from there), one
// destination and one pre-encoded tone. A pacing worker owns the packet
// state; the call goroutine only flips the atomics and reads the counters.
type leg struct {
	conn  *net.UDPConn
	raw   syscall.RawConn
	local netip.AddrPort
	dst   atomic.Pointer[netip.AddrPort] // set by each activating re-INVITE
	pt    uint8
	spp   uint32
	table *payloadTable
	ssrc  uint32
	total uint64 // packets to send before the leg is done
	// corruptEvery > 0 spoils the SRTP auth tag of every corruptEvery-th
	// packet, to prove the SRS drops and counts it.
	corruptEvery uint64

	// Owned by the pacing worker (or by a benchmark) once the leg is added.
	pkt     []byte
	out     []byte // SRTP output buffer, reused
	hdr     rtp.Header
	srtp    *srtp.Context
	seq     uint16
	ts      uint32
	n       uint64    // packets built
	next    time.Time // when the next packet is due
	first   bool      // next packet starts a talkspurt (marker bit)
	peer    netip.AddrPort
	wbuf    []byte                // packet handed to writeFn
	werr    error                 // writeFn's result
	writeFn func(fd uintptr) bool // built once: a closure per packet would allocate

	paused atomic.Bool
	stop   atomic.Bool

	stats legStats

	doneOnce sync.Once
	done     chan struct{}
}

// legStats are written by the pacing worker and read by anyone.
type legStats struct {
	packets, bytes, sendErrors, late, skipped, corrupted atomic.Uint64
	start, stop                                          atomic.Int64 // unix nanos of first and last packet
}

// newLeg binds a UDP socket on ip (any free port) and prepares the packet
// buffers; ctx may be nil for plain RTP.
func newLeg(ip netip.Addr, table *payloadTable, pt uint8, total uint64, ctx *srtp.Context) (*leg, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return nil, err
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, err
	}
	l := &leg{
		conn:  conn,
		raw:   raw,
		local: conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		pt:    pt & 0x7f,
		spp:   uint32(table.spp),
		table: table,
		ssrc:  rand.Uint32(),
		total: total,
		srtp:  ctx,
		seq:   uint16(rand.Uint32()),
		ts:    rand.Uint32(),
		first: true,
		done:  make(chan struct{}),
	}
	l.pkt = make([]byte, 12+table.spp)
	l.pkt[0] = 0x80 // version 2, no padding, no extension, no CSRC
	binary.BigEndian.PutUint32(l.pkt[8:], l.ssrc)
	if ctx != nil {
		// Room for the largest auth tag (16 bytes for GCM) so EncryptRTP
		// never grows the buffer.
		l.out = make([]byte, 0, len(l.pkt)+32)
	}
	l.writeFn = func(fd uintptr) bool {
		_, l.werr = syscall.Write(int(fd), l.wbuf)
		// Always done: a full socket buffer drops this packet (counted as
		// a send error) instead of parking the worker and every leg it owns.
		return true
	}
	return l, nil
}

// build writes the next packet in place: sequence, timestamp and marker are
// rewritten and the payload slice copied from the shared table; with SRTP
// the packet is encrypted into the leg's reusable output buffer. It does not
// allocate.
func (l *leg) build() ([]byte, error) {
	b := l.pkt
	b[1] = l.pt
	if l.first {
		b[1] |= 0x80
		l.first = false
	}
	binary.BigEndian.PutUint16(b[2:], l.seq)
	binary.BigEndian.PutUint32(b[4:], l.ts)
	copy(b[12:], l.table.frame(l.n))
	l.seq++
	l.ts += l.spp
	l.n++
	if l.srtp == nil {
		return b, nil
	}
	out, err := l.srtp.EncryptRTP(l.out[:0], b, &l.hdr)
	if err != nil {
		return nil, err
	}
	l.out = out[:0]
	if l.corruptEvery > 0 && l.n%l.corruptEvery == 0 {
		out[len(out)-1] ^= 0xff
		l.stats.corrupted.Add(1)
	}
	return out, nil
}

// skip advances the stream by n packets without sending them, so RTP
// timestamps keep following the wall clock after a stall.
func (l *leg) skip(n uint64) {
	l.seq += uint16(n)
	l.ts += l.spp * uint32(n)
	l.n += n
}

// send builds and sends one packet to dst. The socket is connected to the
// destination: the kernel then skips a route lookup per packet, and an ICMP
// port unreachable from the SRS surfaces as a send error.
func (l *leg) send(dst netip.AddrPort) {
	if dst != l.peer {
		if err := l.connect(dst); err != nil {
			l.stats.sendErrors.Add(1)
			return
		}
	}
	p, err := l.build()
	if err == nil {
		l.wbuf = p
		if err = l.raw.Write(l.writeFn); err == nil {
			err = l.werr
		}
		l.wbuf = nil
	}
	if err != nil {
		l.stats.sendErrors.Add(1)
		return
	}
	l.stats.packets.Add(1)
	l.stats.bytes.Add(uint64(len(p)))
}

// connect points the socket at dst.
func (l *leg) connect(dst netip.AddrPort) error {
	sa := &syscall.SockaddrInet4{Port: int(dst.Port()), Addr: dst.Addr().Unmap().As4()}
	var cerr error
	if err := l.raw.Control(func(fd uintptr) { cerr = syscall.Connect(int(fd), sa) }); err != nil {
		return err
	}
	if cerr != nil {
		return cerr
	}
	l.peer = dst
	return nil
}

// finish marks the leg done; safe to call more than once.
func (l *leg) finish(now time.Time) {
	l.doneOnce.Do(func() {
		if l.stats.packets.Load() > 0 {
			l.stats.stop.Store(now.UnixNano())
		}
		close(l.done)
	})
}

// close releases the socket.
func (l *leg) close() error { return l.conn.Close() }
