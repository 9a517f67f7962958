package media

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
)

func newTestPool(t *testing.T, pairs int) *PortPool {
	t.Helper()
	p, err := NewPortPool(loopback, testPortRange(pairs), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.closeHeld(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func contiguous(ports []int) bool {
	for i := 1; i < len(ports); i++ {
		if ports[i] != ports[i-1]+2 {
			return false
		}
	}
	return true
}

func TestParsePortRange(t *testing.T) {
	tests := map[string]struct {
		in        string
		lo, pairs int
		ok        bool
	}{
		"default":   {"20000-29999", 20000, 5000, true},
		"odd start": {"20001-20010", 20002, 4, true},
		"odd end":   {"20000-20004", 20000, 2, true},
		"one pair":  {"20000-20001", 20000, 1, true},
		"spaces":    {" 20000 - 20003 ", 20000, 2, true},
		"no pair":   {"20001-20002", 0, 0, false},
		"reversed":  {"29999-20000", 0, 0, false},
		"no dash":   {"20000", 0, 0, false},
		"too high":  {"65000-70000", 0, 0, false},
		"zero":      {"0-100", 0, 0, false},
		"words":     {"a-b", 0, 0, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			lo, pairs, err := parsePortRange(tc.in)
			if !tc.ok {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("err = %v, want ErrConfig", err)
				}
				return
			}
			if err != nil || lo != tc.lo || pairs != tc.pairs {
				t.Fatalf("= %d, %d, %v; want %d, %d", lo, pairs, err, tc.lo, tc.pairs)
			}
		})
	}
}

func TestPortPoolContiguousAndRotating(t *testing.T) {
	p := newTestPool(t, 16)
	a, err := p.Allocate(2)
	if err != nil {
		t.Fatal(err)
	}
	if !contiguous(a) || a[0]%2 != 0 {
		t.Fatalf("first lease %v: want an even contiguous run", a)
	}
	if got := p.Free(); got != 14 {
		t.Fatalf("Free = %d, want 14", got)
	}
	p.Release(a...)
	b, err := p.Allocate(2)
	if err != nil {
		t.Fatal(err)
	}
	if !contiguous(b) {
		t.Fatalf("second lease %v: want contiguous", b)
	}
	if b[0] == a[0] || b[0] < a[1] {
		t.Fatalf("second lease %v reuses or precedes the released %v: the search must rotate", b, a)
	}
	c, err := p.Allocate(4)
	if err != nil || !contiguous(c) {
		t.Fatalf("Allocate(4) = %v, %v; want contiguous", c, err)
	}
	p.Release(b...)
	p.Release(c...)
	if got := p.Free(); got != 16 {
		t.Fatalf("Free after release = %d, want 16", got)
	}
}

func TestPortPoolFragmentationFallback(t *testing.T) {
	p := newTestPool(t, 4)
	var single []int
	for range 4 {
		got, err := p.Allocate(1)
		if err != nil {
			t.Fatal(err)
		}
		single = append(single, got[0])
	}
	slices.Sort(single)
	// Free the 1st and 3rd pair: two free pairs, no two adjacent.
	p.Release(single[0], single[2])
	got, err := p.Allocate(2)
	if err != nil {
		t.Fatalf("Allocate(2) on a fragmented pool: %v", err)
	}
	slices.Sort(got)
	if want := []int{single[0], single[2]}; !slices.Equal(got, want) {
		t.Fatalf("scattered lease = %v, want %v", got, want)
	}
	if p.Free() != 0 {
		t.Fatalf("Free = %d, want 0", p.Free())
	}
}

func TestPortPoolExhausted(t *testing.T) {
	p := newTestPool(t, 3)
	if _, err := p.Allocate(4); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("Allocate(4) of 3: err = %v, want ErrPortsExhausted", err)
	}
	a, err := p.Allocate(3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate(1); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("Allocate on a full pool: err = %v, want ErrPortsExhausted", err)
	}
	if _, err := p.Allocate(0); !errors.Is(err, ErrParams) {
		t.Fatalf("Allocate(0): err = %v", err)
	}
	p.Release(a[1])
	p.Release(a[1]) // double release is harmless
	if p.Free() != 1 {
		t.Fatalf("Free = %d, want 1", p.Free())
	}
}

func TestPortPoolSkipsPortsBoundElsewhere(t *testing.T) {
	tests := map[string]struct {
		blockOffset int // port offset from the range start to occupy
		n           int
	}{
		"rtp port taken":  {0, 2},
		"rtcp port taken": {1, 2},
		"middle of run":   {2, 3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := newTestPool(t, 8)
			blocked := p.lo + tc.blockOffset
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: blocked})
			if err != nil {
				t.Skipf("cannot occupy %d: %v", blocked, err)
			}
			t.Cleanup(func() { _ = c.Close() })
			got, err := p.Allocate(tc.n)
			if err != nil {
				t.Fatalf("Allocate: %v", err)
			}
			if !contiguous(got) {
				t.Fatalf("lease %v: want contiguous after skipping", got)
			}
			for _, port := range got {
				if port == blocked || port+1 == blocked {
					t.Fatalf("lease %v includes the occupied port %d", got, blocked)
				}
			}
			// The skipped pair stays free: the other process may let go.
			if want := 8 - tc.n; p.Free() != want {
				t.Fatalf("Free = %d, want %d", p.Free(), want)
			}
		})
	}
}

func TestPortPoolBindsAndHandsOver(t *testing.T) {
	p := newTestPool(t, 4)
	ports, err := p.Allocate(1)
	if err != nil {
		t.Fatal(err)
	}
	// Leased means bound: nobody else can have the RTP or RTCP port.
	for _, port := range []int{ports[0], ports[0] + 1} {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err == nil {
			_ = c.Close()
			t.Fatalf("port %d of a lease is not bound", port)
		}
	}
	pair, err := p.take(ports[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.take(ports[0]); !errors.Is(err, ErrPortNotAllocated) {
		t.Fatalf("second take: err = %v", err)
	}
	if _, err := p.take(ports[0] + 2); !errors.Is(err, ErrPortNotAllocated) {
		t.Fatalf("take of an unleased port: err = %v", err)
	}
	pair.close()
	p.Release(ports...)
	if p.Free() != 4 {
		t.Fatalf("Free = %d", p.Free())
	}
}

func TestNewPortPoolErrors(t *testing.T) {
	if _, err := NewPortPool(loopback, "x", nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewPortPool(netip.Addr{}, "20000-20001", nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v", err)
	}
}
