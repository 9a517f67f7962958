package appliance

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/tunnel"
)

func TestCallCounts(t *testing.T) {
	tests := map[string]struct {
		in   map[gate.State]int
		want string
	}{
		"none":     {map[gate.State]int{gate.StatePending: 0, gate.StateActive: 0}, "calls 0"},
		"nil":      {nil, "calls 0"},
		"one kind": {map[gate.State]int{gate.StatePending: 2}, "calls 2 (pending 2)"},
		"order": {map[gate.State]int{gate.StateUnmatched: 1, gate.StateHeld: 1, gate.StatePending: 3, gate.StateActive: 7},
			"calls 12 (active 7, pending 3, held 1, unmatched 1)"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := callCounts(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotifierPeriod(t *testing.T) {
	tests := map[string]struct {
		watchdog, want time.Duration
	}{
		"no watchdog":    {0, runPoll},
		"long watchdog":  {20 * time.Second, runPoll},
		"short watchdog": {2 * time.Second, 500 * time.Millisecond},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := (&notifier{watchdog: tt.watchdog}).period(); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// notifySocket listens where NOTIFY_SOCKET points, as systemd does, and
// hands each datagram to the test.
func notifySocket(t *testing.T) <-chan string {
	t.Helper()
	// A short path: sun_path holds 108 bytes, t.TempDir may be longer.
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOTIFY_SOCKET", path)
	msgs := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			select {
			case msgs <- string(buf[:n]):
			default: // the test stopped reading
			}
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return msgs
}

// await returns the first message that contains want, failing after d.
func await(t *testing.T, msgs <-chan string, want string, d time.Duration) string {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-msgs:
			if strings.Contains(m, want) {
				return m
			}
		case <-deadline:
			t.Fatalf("no sd_notify message with %q within %v", want, d)
		}
	}
}

// testConfig is the loopback lab recorder on ephemeral SIP and admin ports.
func testConfig(t *testing.T, ports string) *config.Config {
	cfg := config.Default()
	cfg.SIP.Listen = []string{"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}
	cfg.Admin.Listen = "127.0.0.1:0"
	cfg.Recording.Dir = t.TempDir()
	cfg.Media.Ports = ports
	cfg.DrainTimeout = 2 * time.Second
	return cfg
}

// runApp runs a on its own context and returns the function that stops it
// (as SIGTERM does) and returns Run's error.
func runApp(t *testing.T, a *Appliance) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var stopped atomic.Bool
	stop = func() error {
		if stopped.Swap(true) {
			return nil
		}
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("appliance did not stop")
		}
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	select {
	case <-a.Started():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	return stop
}

// Under a service manager the appliance says READY with a STATUS line,
// feeds the watchdog, and says STOPPING with a timeout extension that
// covers the drain.
func TestNotifyLifecycle(t *testing.T) {
	msgs := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "400000") // 400 ms: a ping every 100 ms
	t.Setenv("WATCHDOG_PID", fmt.Sprint(os.Getpid()))
	a, err := New(testConfig(t, "23400-23499"), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if a.notify.watchdog != 400*time.Millisecond {
		t.Fatalf("watchdog %v", a.notify.watchdog)
	}
	stop := runApp(t, a)

	ready := await(t, msgs, "READY=1", 5*time.Second)
	if !strings.Contains(ready, "\nSTATUS=ready; calls 0") {
		t.Fatalf("READY without the STATUS line: %q", ready)
	}
	for range 3 {
		await(t, msgs, "WATCHDOG=1", time.Second)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// What was sent before Run returned is queued: STOPPING must be there.
	stopping := await(t, msgs, "STOPPING=1", time.Second)
	want := fmt.Sprintf("EXTEND_TIMEOUT_USEC=%d", (2*time.Second + byeTimeout + stopMargin).Microseconds())
	if !strings.Contains(stopping, want) || !strings.Contains(stopping, "STATUS=draining; calls 0") {
		t.Fatalf("STOPPING message %q lacks %q or the draining STATUS", stopping, want)
	}
	select {
	case <-a.notify.done:
	default:
		t.Fatal("the notify loop outlived Close")
	}
}

// Without NOTIFY_SOCKET nothing is sent and no loop runs.
func TestNotifyOff(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	a, err := New(testConfig(t, "23500-23599"), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	runApp(t, a)
	a.notify.mu.Lock()
	defer a.notify.mu.Unlock()
	if a.notify.send != nil || a.notify.done != nil {
		t.Fatal("notify loop started without a service manager")
	}
}

// A configured tunnel that has no handshake holds READY back, and STATUS
// says what startup waits for.
func TestNotifyWaitsForTunnel(t *testing.T) {
	msgs := notifySocket(t)
	dir := t.TempDir()
	key, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "wg.key")
	if err := os.WriteFile(keyFile, []byte(key.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	peer, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	// A UDP port nobody answers on: the handshake never completes.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })

	cfg := testConfig(t, "23600-23699")
	cfg.CTI.Source = "cloud,api"
	cfg.Cloud.ControlURL = "ws://10.99.0.1:7000/v1/edge"
	cfg.Cloud.Tunnel.PrivateKeyFile = keyFile
	cfg.Cloud.Tunnel.Address = "10.99.0.2/32"
	cfg.Cloud.Tunnel.Peer.PublicKey = tunnel.PublicKey(peer).String()
	cfg.Cloud.Tunnel.Peer.Endpoint = pc.LocalAddr().String()
	a, err := New(cfg, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	runApp(t, a)
	st := await(t, msgs, "STATUS=starting, waiting for tunnel: ", 5*time.Second)
	if strings.Contains(st, "READY=1") || !strings.Contains(st, "; tunnel no handshake; control down") {
		t.Fatalf("status %q", st)
	}
	if err := a.upForReady(); err == nil {
		t.Fatal("upForReady without a handshake")
	}
	// Nothing said READY meanwhile.
	for {
		select {
		case m := <-msgs:
			if strings.Contains(m, "READY=1") {
				t.Fatalf("READY=1 without a tunnel: %q", m)
			}
			continue
		default:
		}
		break
	}
}

// healthy needs a ticking media clock.
func TestHealthy(t *testing.T) {
	a, err := New(testConfig(t, "23700-23799"), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.healthy(time.Now()); err == nil || !strings.Contains(err.Error(), "has not ticked") {
		t.Fatalf("before Run: %v", err)
	}
	runApp(t, a)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for a.healthy(time.Now()) != nil {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("running: %v", a.healthy(time.Now()))
		}
	}
	if err := a.healthy(time.Now().Add(clockStale + time.Second)); err == nil || !strings.Contains(err.Error(), "last ticked") {
		t.Fatalf("stale clock: %v", err)
	}
}
