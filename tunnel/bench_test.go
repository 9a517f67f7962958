package tunnel

import (
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTunnelThroughput measures two netstack tunnels on loopback, in
// one process (so every figure pays for both ends and the receiver):
//
//   - tcp/bind=…: bulk TCP through the tunnel, 64 KiB writes (MB/s), with
//     our single-address bind and with wireguard-go's StdNetBind (which the
//     appliance uses when no ListenAddress is set).
//   - pcmu-100ms: the relay's load, 100 concurrent TCP streams each
//     writing 1,600-byte messages (100 ms of stereo PCMU at 8 kHz). It
//     reports frames/s, the CPU time one frame costs, and streams/core:
//     how many real-time streams (10 frames/s each) one core of CPU time
//     sustains.
func BenchmarkTunnelThroughput(b *testing.B) {
	binds := []struct {
		name string
		addr netip.Addr
	}{{"address", loopback}, {"std", netip.Addr{}}}
	for _, bind := range binds {
		b.Run("tcp/bind="+bind.name, func(b *testing.B) {
			p := benchPair(b, bind.addr)
			received, conns := sinkConns(b, p, 1)
			buf := make([]byte, 64<<10)
			b.SetBytes(int64(len(buf)))
			b.ResetTimer()
			for range b.N {
				if _, err := conns[0].Write(buf); err != nil {
					b.Fatal(err)
				}
			}
			waitReceived(b, received, int64(b.N)*int64(len(buf)))
		})
	}
	b.Run("pcmu-100ms", func(b *testing.B) {
		const streams, frameSize = 100, 1600
		p := benchPair(b, netip.Addr{})
		received, conns := sinkConns(b, p, streams)
		frame := make([]byte, frameSize)
		var next atomic.Int32
		b.SetBytes(frameSize)
		b.SetParallelism((streams + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		cpu0 := cpuTime()
		start := time.Now()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			c := conns[int(next.Add(1)-1)%streams]
			for pb.Next() {
				if _, err := c.Write(frame); err != nil {
					b.Error(err)
					return
				}
			}
		})
		waitReceived(b, received, int64(b.N)*frameSize)
		wall, cpu := time.Since(start), cpuTime()-cpu0
		b.ReportMetric(float64(b.N)/wall.Seconds(), "frames/s")
		perFrame := cpu.Seconds() / float64(b.N)
		b.ReportMetric(perFrame*1e6, "cpu-µs/frame")
		b.ReportMetric(1/(perFrame*10), "streams/core")
	})
}

// benchPair is a pair whose sockets bind addr (invalid: StdNetBind).
func benchPair(b *testing.B, addr netip.Addr) *pair {
	b.Helper()
	return newPair(b, func(c *Config) { c.ListenAddress = addr }, func(c *Config, _ uint16) {
		c.ListenAddress = addr
		c.CheckInterval = time.Minute
	})
}

// sinkConns dials n connections from the edge to a cloud listener that
// discards what it reads and counts it.
func sinkConns(b *testing.B, p *pair, n int) (*atomic.Int64, []net.Conn) {
	b.Helper()
	l, err := p.cloud.Listen("tcp", ":9")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	received := &atomic.Int64{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					k, err := c.Read(buf)
					received.Add(int64(k))
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := p.edge.DialContext(b.Context(), "tcp", cloudAddr.String()+":9")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return received, conns
}

// waitReceived waits until the sink has all the bytes written: a write
// returns once buffered, and the benchmark counts delivery.
func waitReceived(b *testing.B, received *atomic.Int64, want int64) {
	deadline := time.Now().Add(time.Minute)
	for received.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d bytes", received.Load(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
