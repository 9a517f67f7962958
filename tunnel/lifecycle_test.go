package tunnel

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

func TestLifecycle(t *testing.T) {
	c := validConfig(t)
	c.Endpoint, c.ListenAddress = "127.0.0.1:9", loopback
	tun, err := New(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := tun.Health(); h.Up || h.Problem != "tunnel is not started" {
		t.Errorf("health before Start: %+v", h)
	}
	if _, err := tun.DialContext(t.Context(), "tcp", "10.99.0.1:80"); !errors.Is(err, ErrNotStarted) {
		t.Errorf("dial before Start: %v", err)
	}
	if err := tun.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := tun.Start(t.Context()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tun.Start(t.Context()); !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	if _, err := tun.Listen("tcp", ":80"); !errors.Is(err, ErrClosed) {
		t.Errorf("Listen after Close: %v", err)
	}

	// Close before Start, twice.
	tun, err = New(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := tun.Close(); err != nil {
			t.Fatalf("Close of a tunnel never started: %v", err)
		}
	}
}

// blockingResolver blocks until its context ends.
type blockingResolver struct{ called chan struct{} }

func (r blockingResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	close(r.called)
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestCloseDuringStart: Close interrupts Start's lookup, and Start unwinds.
func TestCloseDuringStart(t *testing.T) {
	checkNoLeaks(t)
	c := validConfig(t)
	c.ListenAddress = loopback
	r := blockingResolver{called: make(chan struct{})}
	c.Resolver, c.ResolveTimeout = r, time.Minute
	tun, err := New(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- tun.Start(context.Background()) }()
	<-r.called
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-started; !errors.Is(err, ErrClosed) {
		t.Fatalf("Start = %v, want ErrClosed", err)
	}
}

// TestStartFails: a port in use fails Start with the reason, and leaves
// nothing behind.
func TestStartFails(t *testing.T) {
	checkNoLeaks(t)
	busy, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	c := validConfig(t)
	c.Endpoint, c.ListenAddress = "127.0.0.1:9", loopback
	c.ListenPort = uint16(busy.LocalAddr().(*net.UDPAddr).Port)
	tun, err := New(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	if err := tun.Start(t.Context()); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Start on a busy port = %v", err)
	}
	if h := tun.Health(); h.Up || h.Problem != "tunnel failed to start" {
		t.Errorf("health: %+v", h)
	}
	if _, err := tun.DialContext(t.Context(), "tcp", "10.99.0.1:80"); !errors.Is(err, ErrNotStarted) {
		t.Errorf("dial after a failed Start: %v", err)
	}
}

func TestNetErrors(t *testing.T) {
	p := newPair(t, nil, nil)
	e := p.edge
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"dial name", func() error { _, err := e.DialContext(t.Context(), "tcp", "cloud.example:80"); return err }, ErrAddress},
		{"dial no port", func() error { _, err := e.DialContext(t.Context(), "tcp", "10.99.0.1"); return err }, ErrAddress},
		{"dial port 0", func() error { _, err := e.DialContext(t.Context(), "tcp", "10.99.0.1:0"); return err }, ErrAddress},
		{"dial unix", func() error { _, err := e.DialContext(t.Context(), "unix", "10.99.0.1:80"); return err }, ErrNetwork},
		{"dial tcp6 to v4", func() error { _, err := e.DialContext(t.Context(), "tcp6", "10.99.0.1:80"); return err }, ErrNetwork},
		{"dial v6 without a v6 address", func() error { _, err := e.DialContext(t.Context(), "tcp", "[fd00::1]:80"); return err }, ErrNetwork},
		{"listen packet on tcp", func() error { _, err := e.ListenPacket("tcp", ":80"); return err }, ErrNetwork},
		{"listen tcp on udp", func() error { _, err := e.Listen("udp", ":80"); return err }, ErrNetwork},
		{"listen tcp6", func() error { _, err := e.Listen("tcp6", ":80"); return err }, ErrNetwork},
		{"listen name", func() error { _, err := e.Listen("tcp", "localhost:80"); return err }, ErrAddress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// A closed port answers at once (RST), as the context allows.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := e.DialContext(ctx, "tcp", "10.99.0.1:1"); err == nil || ctx.Err() != nil {
		t.Errorf("dial to a closed port: %v (ctx %v)", err, ctx.Err())
	}
	// Listen on the unspecified address means the tunnel's own.
	l, err := e.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if ap := netip.MustParseAddrPort(l.Addr().String()); ap.Addr() != edgeAddr || ap.Port() == 0 {
		t.Errorf("listener address %v", l.Addr())
	}
}
