package edgeproc

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestParsePortRange(t *testing.T) {
	tests := map[string]struct {
		in     string
		lo, hi int
	}{
		"kernel format": {"32768\t60999\n", 32768, 60999},
		"custom":        {"40000 50000", 40000, 50000},
		"garbage":       {"x y", defaultEphLow, defaultEphHigh},
		"one field":     {"1024", defaultEphLow, defaultEphHigh},
		"inverted":      {"50000 40000", defaultEphLow, defaultEphHigh},
		"too high":      {"1024 70000", defaultEphLow, defaultEphHigh},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			lo, hi := parsePortRange(tt.in)
			if lo != tt.lo || hi != tt.hi {
				t.Fatalf("got %d-%d, want %d-%d", lo, hi, tt.lo, tt.hi)
			}
		})
	}
}

func TestFreePorts(t *testing.T) {
	for _, network := range []string{"tcp", "udp"} {
		p, err := FreePort(loopback, network)
		if err != nil || p <= 0 {
			t.Fatalf("%s: %d %v", network, p, err)
		}
	}
	if _, err := FreePort(loopback, "sctp"); !errors.Is(err, ErrNoPorts) {
		t.Fatalf("sctp: %v", err)
	}
	p, err := FreeDualPort(loopback)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", netip.AddrPortFrom(loopback, uint16(p)).String())
	if err != nil {
		t.Fatalf("dual port %d not free for TCP: %v", p, err)
	}
	l.Close()
	if !udpFree(loopback, p) {
		t.Fatalf("dual port %d not free for UDP", p)
	}
	p, err = FreeUDPPair(loopback)
	if err != nil {
		t.Fatal(err)
	}
	if p%2 != 0 || !udpFree(loopback, p) || !udpFree(loopback, p+2) {
		t.Fatalf("UDP pair %d, %d: odd or not free", p, p+2)
	}
}

func TestFreeUDPRange(t *testing.T) {
	ephLow, ephHigh := ephemeralRange()
	lo, err := FreeUDPRange(loopback, 200)
	if err != nil {
		t.Fatal(err)
	}
	hi := lo + 199
	if lo%2 != 0 || lo < mediaSearchLow || (hi >= ephLow && lo <= ephHigh) || (hi >= 20000 && lo <= 20999) {
		t.Fatalf("range %d-%d overlaps the ephemeral range %d-%d or 20000-20999", lo, hi, ephLow, ephHigh)
	}
	// Every port is bindable.
	if p, taken := firstTaken(loopback, lo, 200); taken {
		t.Fatalf("port %d of %d-%d is taken", p, lo, hi)
	}
	for _, n := range []int{0, -1, 40000} {
		if _, err := FreeUDPRange(loopback, n); !errors.Is(err, ErrNoPorts) {
			t.Errorf("n=%d: %v", n, err)
		}
	}
}

// TestFindFreeRunSkipsTakenPorts holds a port and asks for a run that
// must step over it.
func TestFindFreeRunSkipsTakenPorts(t *testing.T) {
	lo, err := FreeUDPRange(loopback, 40)
	if err != nil {
		t.Fatal(err)
	}
	mid := lo + 11
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(mid))))
	if err != nil {
		t.Skipf("port %d was taken meanwhile: %v", mid, err)
	}
	defer c.Close()
	if p, ok := firstTaken(loopback, lo, 20); !ok || p != mid {
		t.Fatalf("firstTaken = %d, %v; want %d", p, ok, mid)
	}
	tests := map[string]struct {
		a, b, n, start int
		want           int
		ok             bool
	}{
		"steps over the taken port": {lo, lo + 39, 16, lo, even(mid + 1), true},
		"fits before it":            {lo, lo + 39, 10, lo, lo, true},
		"from the random start":     {lo, lo + 39, 10, lo + 26, lo + 26, true},
		"wrap finds the front":      {lo, lo + 35, 10, lo + 28, lo, true},
		"no room":                   {lo, lo + 25, 16, lo, 0, false},
		"odd start rounds up":       {lo + 1, lo + 11, 8, lo + 1, lo + 2, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := findFreeRun(loopback, tt.a, tt.b, tt.n, tt.start)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Fatalf("findFreeRun = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
