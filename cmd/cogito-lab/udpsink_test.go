package main

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestSink(t *testing.T) {
	s, err := openSink(loopback, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	ports := s.ports()
	if len(ports) != 3 || len(s.rtcp) != 3 {
		t.Fatalf("ports %v, rtcp %d", ports, len(s.rtcp))
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range ports {
		for range 4 {
			if _, err := c.WriteToUDPAddrPort(make([]byte, 172), netip.AddrPortFrom(loopback, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, b := s.count()
		if p == 12 && b == 12*172 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counted %d packets, %d bytes; want 12, %d", p, b, 12*172)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter; no event to await
	}
}

// TestSinkProc runs udpsink as a child (this test binary, see TestMain).
func TestSinkProc(t *testing.T) {
	p, err := startSinkProc(2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	if p.hello.PID <= 0 || len(p.hello.Ports) != 2 {
		t.Fatalf("hello %+v", p.hello)
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, port := range p.hello.Ports {
		if _, err := c.WriteToUDPAddrPort([]byte("rtp"), netip.AddrPortFrom(loopback, port)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := p.count()
		if err != nil {
			t.Fatal(err)
		}
		if n.Packets == 2 && n.Bytes == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child counted %+v", n)
		}
		time.Sleep(5 * time.Millisecond) // polling a counter in another process
	}
}
