package tunnel

import (
	"net/netip"
	"testing"

	"golang.zx2c4.com/wireguard/tun/netstack"
)

// TestStackOf guards the reflection in stackOf: a wireguard-go update that
// renames netstack's field must fail here, not silently skip the quiesce.
func TestStackOf(t *testing.T) {
	dev, n, err := netstack.CreateNetTUN([]netip.Addr{netip.MustParseAddr("10.9.0.1")}, nil, 1280)
	if err != nil {
		t.Fatal(err)
	}
	m := newManualTun(dev, n)
	if m.stack == nil {
		t.Fatal("stackOf: no gvisor stack found in netstack.Net")
	}
	if stackOf(nil) != nil {
		t.Fatal("stackOf(nil) != nil")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}
