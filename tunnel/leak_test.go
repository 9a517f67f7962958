package tunnel

import (
	"bytes"
	"io"
	"runtime"
	"testing"
	"time"
)

// TestCreateCloseLeaks: 200 tunnels made, started, used and closed leave no
// goroutine behind and no growth of the heap in use.
func TestCreateCloseLeaks(t *testing.T) {
	const cycles = 200
	// A peer that never answers: each tunnel sends it handshakes, so the
	// send path runs too.
	cycle := func() {
		c := validConfig(t)
		c.Endpoint, c.ListenAddress = "127.0.0.1:9", loopback
		tun, err := New(c, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tun.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		// A TCP echo inside the tunnel's own stack (its own address).
		l, err := tun.Listen("tcp", ":7")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = io.Copy(c, c)
			c.Close()
		}()
		conn, err := tun.DialContext(t.Context(), "tcp", "10.99.0.2:7")
		if err != nil {
			t.Fatal(err)
		}
		msg := bytes.Repeat([]byte("x"), 4096)
		if _, err := conn.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(conn, msg); err != nil {
			t.Fatal(err)
		}
		_ = tun.Health()
		// Leave the connection and listener open: Close must end them.
		if err := tun.Close(); err != nil {
			t.Fatal(err)
		}
	}

	cycle() // first use: lazy package state (pools, gVisor's globals)
	goroutines, heap := settle(t, runtime.NumGoroutine())
	start := time.Now()
	for range cycles {
		cycle()
	}
	elapsed := time.Since(start)
	g, h := settle(t, goroutines)
	t.Logf("%d cycles in %v (%v each); goroutines %d → %d; heap in use %.1f → %.1f MiB",
		cycles, elapsed.Round(time.Millisecond), (elapsed / cycles).Round(time.Microsecond),
		goroutines, g, mib(heap), mib(h))
	if g > goroutines {
		t.Errorf("goroutine leak: %d, was %d\n%s", g, goroutines, goroutineStacks())
	}
	// One live tunnel holds about 0.36 MiB of heap and 18 goroutines; a
	// leak of 10 KiB per cycle would pass this bound.
	if h > heap+2<<20 {
		t.Errorf("heap in use grew from %.1f to %.1f MiB over %d cycles", mib(heap), mib(h), cycles)
	}
}

// settle waits for the goroutine count to fall to want (goroutines end
// after Close returns; there is no event to wait on), then collects
// garbage and returns the count and the heap in use.
func settle(t *testing.T, want int) (int, uint64) {
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var ms runtime.MemStats
	for range 3 { // sync.Pool keeps objects across one GC
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapInuse
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
