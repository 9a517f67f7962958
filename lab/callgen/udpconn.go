package callgen

import (
	"bytes"
	"fmt"
	"net"
	"sync"

	"github.com/emiago/sipgo/sip"
)

// bigUDPConn lets the generator send SIP over UDP whatever the size. sipgo
// refuses UDP messages above 1300 bytes (RFC 3261 §18.1.1 wants TCP then),
// but a SIPREC INVITE with Oracle metadata is 2-3 kB and SBCs configured
// for UDP send it anyway, fragmented at the IP layer; the SRS must cope, so
// the lab must be able to send it. The connection wraps the listening
// socket and is registered in this user agent's own connection pool, so no
// sipgo global is touched.
type bigUDPConn struct {
	pc net.PacketConn

	mu  sync.Mutex // guards ref and buf
	ref int
	buf bytes.Buffer
}

// LocalAddr implements sip.Connection.
func (c *bigUDPConn) LocalAddr() net.Addr { return c.pc.LocalAddr() }

// WriteMsg implements sip.Connection: it sends msg to its destination.
func (c *bigUDPConn) WriteMsg(msg sip.Message) error {
	to, err := net.ResolveUDPAddr("udp", msg.Destination())
	if err != nil {
		return fmt.Errorf("callgen: UDP destination %q: %w", msg.Destination(), err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Reset()
	msg.StringWrite(&c.buf)
	if _, err := c.pc.WriteTo(c.buf.Bytes(), to); err != nil {
		return fmt.Errorf("callgen: UDP write: %w", err)
	}
	return nil
}

// Ref implements sip.Connection.
func (c *bigUDPConn) Ref(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ref += i
	return c.ref
}

// TryClose implements sip.Connection; the listener is closed by the
// generator, never by reference counting.
func (c *bigUDPConn) TryClose() (int, error) { return c.Ref(-1), nil }

// Close implements sip.Connection; see TryClose.
func (c *bigUDPConn) Close() error { return nil }
