package tunnel

import (
	"sync"

	"golang.zx2c4.com/wireguard/tun"
)

// manualTun is the netstack's tun.Device without its events. The netstack
// announces "up" as soon as it exists, and wireguard-go then brings the
// device up (binding a random UDP port) before it is configured; the tunnel
// brings it up itself, once, after the configuration.
type manualTun struct {
	tun.Device
	events    chan tun.Event // never sent on; closed by Close
	closeOnce sync.Once
}

func newManualTun(d tun.Device) *manualTun {
	return &manualTun{Device: d, events: make(chan tun.Event)}
}

// Events implements tun.Device: none, until closed.
func (m *manualTun) Events() <-chan tun.Event { return m.events }

// Close implements tun.Device; closing the events ends wireguard-go's
// event routine.
func (m *manualTun) Close() error {
	err := m.Device.Close()
	m.closeOnce.Do(func() { close(m.events) })
	return err
}
