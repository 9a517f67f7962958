package tunnel

import (
	"os"
	"reflect"
	"sync"
	"time"

	"golang.zx2c4.com/wireguard/tun"
	"golang.zx2c4.com/wireguard/tun/netstack"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// quiesceTimeout bounds how long Close waits for the netstack's goroutines.
const quiesceTimeout = 2 * time.Second

// manualTun is the netstack's tun.Device without its events. The netstack
// announces "up" as soon as it exists, and wireguard-go then brings the
// device up (binding a random UDP port) before it is configured; the tunnel
// brings it up itself, once, after the configuration.
//
// It also closes the netstack safely. netstack's own Close closes the
// channel its gvisor goroutines send outgoing packets on, without waiting
// for them: a TCP reset sent at that moment, for a closing connection or
// for a packet still arriving from the peer, is a "send on closed channel"
// panic. Close first stops the packets from the peer, then stops the gvisor
// stack and waits for its goroutines, while wireguard-go still reads what
// they send; only then does it close the netstack.
type manualTun struct {
	tun.Device
	stack     *stack.Stack   // nil if it could not be found; Close is then netstack's
	events    chan tun.Event // never sent on; closed by Close
	closeOnce sync.Once

	mu      sync.RWMutex // held shared by Write, which injects into the stack
	closing bool
}

func newManualTun(d tun.Device, n *netstack.Net) *manualTun {
	return &manualTun{Device: d, stack: stackOf(n), events: make(chan tun.Event)}
}

// stackOf returns the gvisor stack behind n. netstack does not export it;
// the field is read by reflection, and a netstack that changed shape gives
// nil (the test for this file fails then).
func stackOf(n *netstack.Net) *stack.Stack {
	if n == nil {
		return nil
	}
	f := reflect.ValueOf(n).Elem().FieldByName("stack")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*stack.Stack]() {
		return nil
	}
	return (*stack.Stack)(f.UnsafePointer())
}

// Events implements tun.Device: none, until closed.
func (m *manualTun) Events() <-chan tun.Event { return m.events }

// Write implements tun.Device: packets from the peer, into the netstack;
// dropped once Close has begun.
func (m *manualTun) Write(bufs [][]byte, offset int) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closing {
		return 0, os.ErrClosed
	}
	return m.Device.Write(bufs, offset)
}

// Close implements tun.Device; closing the events ends wireguard-go's
// event routine.
func (m *manualTun) Close() error {
	m.mu.Lock()
	m.closing = true
	m.mu.Unlock()
	if s := m.stack; s != nil {
		done := make(chan struct{})
		go func() {
			s.Close()
			s.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(quiesceTimeout):
		}
	}
	err := m.Device.Close()
	m.closeOnce.Do(func() { close(m.events) })
	return err
}
