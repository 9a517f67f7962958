package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/netstack"
)

// Tunnel is a WireGuard tunnel to one peer, with a user-space TCP/IP stack
// inside it. Its methods are safe for concurrent use.
//
//	new ──Start──▶ starting ──▶ up ──Close──▶ closed
//	                  │  └─(error)─▶ failed ──Close──▶ closed
//	                  └──Close (waits for Start to unwind)──▶ closed
//
// Once closed, always closed: make a new Tunnel to try again.
type Tunnel struct {
	s       *settings
	log     *slog.Logger
	metrics *Metrics
	events  handshakeEvents

	// life ends when Close begins; it bounds Start's lookup and the monitor.
	life context.Context
	kill context.CancelFunc

	closeOnce sync.Once

	mu        sync.Mutex // guards the fields below
	state     state
	run       *running      // set while up
	startDone chan struct{} // closed when a Start in progress returns

	ep  endpointState
	mon monitorState
}

type state uint8

const (
	stateNew state = iota
	stateStarting
	stateUp
	stateFailed
	stateClosed
)

// running is what Start brought up and Close tears down.
type running struct {
	dev         *device.Device
	tnet        *netstack.Net
	monitorDone chan struct{}
}

// New validates cfg, reads the private key file and allocates the tunnel.
// It opens no socket and starts no goroutine. A nil log discards; a nil
// metrics is replaced by an unregistered set.
func New(cfg Config, log *slog.Logger, metrics *Metrics) (*Tunnel, error) {
	s, err := validate(cfg)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	t := &Tunnel{s: s, log: log.With("component", "tunnel"), metrics: metrics}
	t.life, t.kill = context.WithCancel(context.Background())
	return t, nil
}

// PublicKey is the tunnel's own public key: the one the peer must list.
func (t *Tunnel) PublicKey() Key { return t.s.pub }

// Start binds the UDP socket, brings the device up and starts the monitor.
// It resolves the endpoint's name first, bounded by ctx and
// Config.ResolveTimeout; a failed lookup does not fail Start (the monitor
// retries it, and Health says why there is no endpoint), so an appliance
// that boots before its DNS works comes up all the same.
//
// Start may be called once. After an error the tunnel is unusable: Close
// it and make a new one.
func (t *Tunnel) Start(ctx context.Context) error {
	t.mu.Lock()
	switch t.state {
	case stateNew:
	case stateClosed:
		t.mu.Unlock()
		return ErrClosed
	default:
		t.mu.Unlock()
		return ErrStarted
	}
	t.state = stateStarting
	done := make(chan struct{})
	t.startDone = done
	t.mu.Unlock()
	defer close(done)

	r, err := t.start(ctx)

	t.mu.Lock()
	if t.state == stateClosed { // Close came while starting: unwind here
		t.mu.Unlock()
		if r != nil {
			t.teardown(r)
		}
		return ErrClosed
	}
	if err != nil {
		t.state = stateFailed
		t.mu.Unlock()
		return err
	}
	t.state, t.run = stateUp, r
	t.mu.Unlock()
	return nil
}

// start does Start's work; on error it has undone all of it.
func (t *Tunnel) start(ctx context.Context) (*running, error) {
	rctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(t.life, cancel)
	ep := t.firstResolve(rctx)
	stop()
	cancel()
	if t.life.Err() != nil {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tunnel: start: %w", err)
	}

	addrs := make([]netip.Addr, len(t.s.Addresses))
	for i, p := range t.s.Addresses {
		addrs[i] = p.Addr()
	}
	tunDev, tnet, err := netstack.CreateNetTUN(addrs, nil, t.s.MTU)
	if err != nil {
		return nil, fmt.Errorf("tunnel: start: netstack: %w", err)
	}
	// From here on dev.Close closes the netstack and the bind too.
	dev := device.NewDevice(newManualTun(tunDev, tnet), t.bind(), deviceLogger(t.log, &t.events))
	if err := dev.IpcSet(t.s.uapiConfig(ep)); err != nil {
		dev.Close()
		return nil, fmt.Errorf("tunnel: start: configure device: %w", err)
	}
	if err := dev.Up(); err != nil {
		dev.Close()
		return nil, fmt.Errorf("tunnel: start: bring device up (UDP port %d): %w", t.s.ListenPort, err)
	}
	r := &running{dev: dev, tnet: tnet, monitorDone: make(chan struct{})}
	st, _ := t.poll(dev)
	t.metrics.up.Set(1)
	t.log.Info("tunnel up", "addresses", t.s.Addresses, "public_key", t.s.pub.String(),
		"peer_public_key", t.s.PeerPublicKey.String(), "endpoint", t.s.Endpoint,
		"endpoint_address", ep, "listen_port", st.listenPort, "mtu", t.s.MTU)
	go t.routineMonitor(dev, r.monitorDone)
	return r, nil
}

// bind is the UDP side: wireguard-go's own for all addresses, or ours for
// one address or a given PacketConn.
func (t *Tunnel) bind() conn.Bind {
	switch {
	case t.s.PacketConn != nil:
		return newConnBind(t.s.PacketConn)
	case t.s.ListenAddress.IsValid():
		return newAddressBind(t.s.ListenAddress)
	}
	return conn.NewDefaultBind()
}

// Close tears the tunnel down: the monitor, the device, its UDP socket and
// the netstack, whose connections then fail. It waits for a Start in
// progress to unwind. Close is idempotent and always returns nil.
func (t *Tunnel) Close() error {
	t.closeOnce.Do(t.close)
	return nil
}

func (t *Tunnel) close() {
	t.kill()
	t.mu.Lock()
	prev, r, starting := t.state, t.run, t.startDone
	t.state, t.run = stateClosed, nil
	t.mu.Unlock()
	switch prev {
	case stateStarting:
		<-starting
	case stateUp:
		t.teardown(r)
	}
	if pc := t.s.PacketConn; pc != nil {
		// Owned by the tunnel; already closed if the bind was opened.
		if err := pc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.log.Debug("tunnel: close packet conn", "err", err)
		}
	}
}

// teardown stops what start brought up. The monitor goes first so it does
// not poll a closing device.
func (t *Tunnel) teardown(r *running) {
	<-r.monitorDone
	t.observe(r.dev) // the last bytes and events into the metrics
	r.dev.Close()
	t.metrics.up.Set(0)
	t.log.Info("tunnel closed")
}
