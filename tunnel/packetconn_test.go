package tunnel

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// cutConn is a PacketConn whose traffic can be cut both ways: the fault a
// firewall or a broken link makes.
type cutConn struct {
	net.PacketConn
	cut    atomic.Bool
	closed atomic.Bool
}

func (c *cutConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.cut.Load() {
			return n, a, err
		}
	}
}

func (c *cutConn) WriteTo(b []byte, a net.Addr) (int, error) {
	if c.cut.Load() {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, a)
}

func (c *cutConn) Close() error {
	c.closed.Store(true)
	return c.PacketConn.Close()
}

// TestPacketConnCut: the edge's UDP goes through a PacketConn the test
// owns; cutting it for a while stalls a TCP stream inside the tunnel,
// which then resumes with every byte; Close closes the PacketConn.
func TestPacketConnCut(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cc := &cutConn{PacketConn: pc}
	p := newPair(t, nil, func(edge *Config, _ uint16) {
		edge.ListenAddress, edge.PacketConn = netip.Addr{}, cc
	})
	l, err := p.cloud.Listen("tcp", ":7")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := p.edge.DialContext(t.Context(), "tcp", cloudAddr.String()+":7")
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 64<<10)
	_, _ = rand.Read(data)
	if _, err := c.Write(data[:32<<10]); err != nil {
		t.Fatal(err)
	}
	cc.cut.Store(true)
	if _, err := c.Write(data[32<<10:]); err != nil { // buffered, retransmitted later
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the outage itself
	cc.cut.Store(false)
	c.Close()
	select {
	case b := <-got:
		if !bytes.Equal(b, data) {
			t.Fatalf("received %d of %d bytes, or different ones", len(b), len(data))
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the stream did not resume: %+v", p.edge.Health())
	}
	p.edge.Close()
	if !cc.closed.Load() {
		t.Error("Close left the PacketConn open")
	}
}
