package tunnel

import (
	"net"
	"syscall"
)

// socketBuffer is the UDP socket buffer size wireguard-go's own bind asks
// for: bursts of a fast TCP flow inside the tunnel overflow the default
// (about 200 KiB) while the receiving goroutine waits for a CPU.
const socketBuffer = 7 << 20

// growSocketBuffers enlarges the socket's buffers: past net.core.rmem_max
// when allowed (SO_*BUFFORCE needs CAP_NET_ADMIN), else up to it.
func growSocketBuffers(c *net.UDPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		for _, o := range [][2]int{{syscall.SO_RCVBUFFORCE, syscall.SO_RCVBUF}, {syscall.SO_SNDBUFFORCE, syscall.SO_SNDBUF}} {
			if syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, o[0], socketBuffer) != nil {
				_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, o[1], socketBuffer)
			}
		}
	})
}
