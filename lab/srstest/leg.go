package srstest

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// Leg receives one stream of a session on its own UDP port.
type Leg struct {
	conn   *net.UDPConn
	Port   int            // our port, as answered
	Peer   netip.AddrPort // the SBC's advertised address for this stream
	Label  string
	active *atomic.Bool // shared by the session's legs
	srtp   *srtp.Context
	done   chan struct{}

	mu       sync.Mutex // guards the fields below
	samples  []int16
	packets  int
	early    int
	badCrypt int
	sources  map[netip.AddrPort]int
	ssrcs    map[uint32]int
	codec    tone.Codec
}

// LegStats is a snapshot of what a leg received.
type LegStats struct {
	Packets       int                    // accepted while active
	Early         int                    // arrived before activation (dropped)
	DecryptErrors int                    // SRTP packets that failed authentication
	Sources       map[netip.AddrPort]int // packets per source address
	SSRCs         map[uint32]int
	Samples       []int16 // decoded audio of the accepted packets
}

// Stats returns a copy of what the leg received so far.
func (l *Leg) Stats() LegStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := LegStats{
		Packets: l.packets, Early: l.early, DecryptErrors: l.badCrypt,
		Sources: make(map[netip.AddrPort]int), SSRCs: make(map[uint32]int),
		Samples: append([]int16(nil), l.samples...),
	}
	for k, v := range l.sources {
		s.Sources[k] = v
	}
	for k, v := range l.ssrcs {
		s.SSRCs[k] = v
	}
	return s
}

// listenPair binds two UDP ports P and P+2 on ip, like the appliance's
// contiguous allocation.
func listenPair(ip netip.Addr) (*net.UDPConn, *net.UDPConn, error) {
	for range 50 {
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return nil, nil, err
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		if p+2 > 65535 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p+2))))
		if err == nil {
			return a, b, nil
		}
		a.Close()
	}
	return nil, nil, errors.New("srstest: no contiguous port pair")
}

// receive reads the leg's socket until it is closed.
func (l *Leg) receive() {
	defer close(l.done)
	buf := make([]byte, 2048)
	var pt []byte
	var p rtp.Packet
	for {
		n, from, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		data := buf[:n]
		if !l.active.Load() {
			l.mu.Lock()
			l.early++
			l.mu.Unlock()
			continue
		}
		if l.srtp != nil {
			if pt, err = l.srtp.DecryptRTP(pt[:0], data, nil); err != nil {
				l.mu.Lock()
				l.badCrypt++
				l.mu.Unlock()
				continue
			}
			data = pt
		}
		if p.Unmarshal(data) != nil {
			continue
		}
		l.mu.Lock()
		l.packets++
		l.sources[from]++
		l.ssrcs[p.SSRC]++
		l.samples = l.codec.AppendDecode(l.samples, p.Payload)
		l.mu.Unlock()
	}
}

func (l *Leg) close() {
	l.conn.Close()
	<-l.done
}
