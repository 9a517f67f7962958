//go:build !linux

package tunnel

import "net"

const socketBuffer = 7 << 20

// growSocketBuffers enlarges the socket's buffers as far as allowed.
func growSocketBuffers(c *net.UDPConn) {
	_ = c.SetReadBuffer(socketBuffer)
	_ = c.SetWriteBuffer(socketBuffer)
}
