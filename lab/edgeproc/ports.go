package edgeproc

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Port search bounds for media ranges. The range is taken below the
// kernel's ephemeral range, so that sockets other programs bind on port 0
// (the call generator's legs, SIPp, tests) never land inside it after the
// probe, and it avoids the appliance's default 20000-20999, which a
// manually started appliance uses.
const (
	mediaSearchLow = 10000
	defaultEphLow  = 32768
	defaultEphHigh = 60999
)

// FreePort returns a port on ip that was free for network ("tcp" or
// "udp") a moment ago: it binds port 0 and closes the socket.
func FreePort(ip netip.Addr, network string) (int, error) {
	switch network {
	case "udp":
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return 0, fmt.Errorf("%w: udp: %w", ErrNoPorts, err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	case "tcp":
		l, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return 0, fmt.Errorf("%w: tcp: %w", ErrNoPorts, err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	return 0, fmt.Errorf("%w: network %q (want tcp or udp)", ErrNoPorts, network)
}

// FreeDualPort returns a port on ip that was free for both TCP and UDP a
// moment ago, for a SIP listener on both transports.
func FreeDualPort(ip netip.Addr) (int, error) {
	for range 50 {
		p, err := FreePort(ip, "tcp")
		if err != nil {
			return 0, err
		}
		if udpFree(ip, p) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: no port free for both TCP and UDP on %v", ErrNoPorts, ip)
}

// FreeUDPPair returns an even port P on ip such that P and P+2 were both
// free for UDP a moment ago: SIPp sends a recording's two legs from them.
func FreeUDPPair(ip netip.Addr) (int, error) {
	for range 100 {
		p, err := FreePort(ip, "udp")
		if err != nil {
			return 0, err
		}
		p &^= 1
		if p+2 > 65535 {
			continue
		}
		a, errA := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p))))
		b, errB := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(p+2))))
		if a != nil {
			a.Close()
		}
		if b != nil {
			b.Close()
		}
		if errA == nil && errB == nil {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: no UDP port pair P, P+2 free on %v", ErrNoPorts, ip)
}

// FreeUDPRange returns an even port lo such that the n ports lo..lo+n-1
// were all free for UDP on ip a moment ago. It looks below the kernel's
// ephemeral port range first (sockets bound to port 0 later never land
// there), skipping 20000-20999, then above it, then anywhere below it; in
// each region it starts at a random place, so that two lab runs at once do
// not race for the same range, and skips past every taken port it meets.
func FreeUDPRange(ip netip.Addr, n int) (int, error) {
	if n <= 0 || n > 30000 {
		return 0, fmt.Errorf("%w: range of %d ports", ErrNoPorts, n)
	}
	ephLow, ephHigh := ephemeralRange()
	regions := [][2]int{
		{21000, ephLow - 1},
		{mediaSearchLow, min(ephLow-1, 19999)},
		{ephHigh + 1, 65535},
		{mediaSearchLow, ephLow - 1},
	}
	for _, r := range regions {
		if r[1]-r[0]+1 < n {
			continue
		}
		start := r[0] + rand.IntN(r[1]-n+2-r[0])
		if lo, ok := findFreeRun(ip, r[0], r[1], n, start); ok {
			return lo, nil
		}
	}
	return 0, fmt.Errorf("%w: no %d consecutive free UDP ports on %v outside the ephemeral range %d-%d", ErrNoPorts, n, ip, ephLow, ephHigh)
}

// findFreeRun looks for n free ports with an even first port within
// [a, b], trying first ports from start up, then from a up to start.
func findFreeRun(ip netip.Addr, a, b, n, start int) (int, bool) {
	for _, seg := range [][2]int{{start, b}, {a, min(start+n-1, b)}} {
		for lo := even(seg[0]); lo+n-1 <= seg[1]; {
			taken, ok := firstTaken(ip, lo, n)
			if !ok {
				return lo, true
			}
			lo = even(taken + 1)
		}
	}
	return 0, false
}

// firstTaken binds lo..lo+n-1 in turn (closing each at once) and returns
// the first port that is taken.
func firstTaken(ip netip.Addr, lo, n int) (int, bool) {
	for p := lo; p < lo+n; p++ {
		if !udpFree(ip, p) {
			return p, true
		}
	}
	return 0, false
}

// even rounds p up to an even port.
func even(p int) int { return (p + 1) &^ 1 }

func udpFree(ip netip.Addr, port int) bool {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// ephemeralRange reads the kernel's ephemeral port range, or returns
// Linux's default when it cannot.
func ephemeralRange() (lo, hi int) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return defaultEphLow, defaultEphHigh
	}
	return parsePortRange(string(b))
}

// parsePortRange parses "32768\t60999\n".
func parsePortRange(s string) (lo, hi int) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return defaultEphLow, defaultEphHigh
	}
	a, err1 := strconv.Atoi(f[0])
	b, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || a <= 0 || b < a || b > 65535 {
		return defaultEphLow, defaultEphHigh
	}
	return a, b
}
