package srs_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/appliance/srs"
	"github.com/emiago/sipgo/sip"
	"github.com/prometheus/client_golang/prometheus"
)

// waitFor bounds every wait for something the server does on its own; it is
// generous so that -race on a loaded two-core machine does not flake.
const waitFor = 5 * time.Second

var loopback = netip.MustParseAddr("127.0.0.1")

// TestMain runs the tests, then checks that no goroutine of the server, its
// parts or sipgo outlives them (every harness is closed by then).
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		// sipgo's connection bookkeeping logs to its package logger.
		sip.SetDefaultLogger(slog.New(slog.DiscardHandler))
	}
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(10 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines polls until no goroutine runs code of this module or of
// sipgo, and returns the stacks of those left after d.
func leakedGoroutines(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, "TestMain") || strings.Contains(g, "leakedGoroutines") {
				continue
			}
			if strings.Contains(g, "cogito-edge/appliance") || strings.Contains(g, "emiago/sipgo") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually polls cond until it holds or waitFor passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// portBlocks hands every harness its own media port range, so parallel
// tests never compete for RTP ports. The ranges lie in 22000-31999: below
// the kernel's ephemeral range (32768-60999), where sockets bound to port 0
// elsewhere on the machine (SBC legs, other packages' tests) would land,
// above the appliance's default 20000-20999, and clear of media's
// benchmark, which takes the whole of 40000-49999. The pool skips ports
// another process holds anyway.
var portBlocks atomic.Uint32

const (
	portBase  = 22000
	portSpan  = 10000
	portBlock = 40
)

func nextPortRange() string {
	for range portSpan / portBlock {
		n := int(portBlocks.Add(1)-1) % (portSpan / portBlock)
		lo := portBase + n*portBlock
		if udpFree(lo, lo+portBlock-1) {
			return fmt.Sprintf("%d-%d", lo, lo+portBlock-1)
		}
	}
	panic("no free block of media ports in 22000-31999")
}

// udpFree reports whether every port of lo..hi was free on loopback a
// moment ago. Other test binaries on the machine (the lab, media's
// benchmark) bind whole ranges for a while; a block they hold is skipped.
func udpFree(lo, hi int) bool {
	for p := lo; p <= hi; p++ {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, uint16(p))))
		if err != nil {
			return false
		}
		_ = c.Close()
	}
	return true
}

// harness is a real srs.Server with a real media engine and gate, a fake
// recorder and its own Prometheus registry, listening on loopback UDP, TCP
// and TLS.
type harness struct {
	t      testing.TB
	srv    *srs.Server
	gate   *gate.Gate
	engine *media.Engine
	reg    *prometheus.Registry
	rec    *fakeRecorder
	acks   atomic.Int64 // 2xx ACKs the SBCs sent
}

type harnessConfig struct {
	sip   srs.Config
	gate  gate.Config
	ports string
	ready func() error
}

type option func(*harnessConfig)

func withSIP(f func(*srs.Config)) option { return func(c *harnessConfig) { f(&c.sip) } }
func withGate(f func(*gate.Config)) option {
	return func(c *harnessConfig) { f(&c.gate) }
}
func withPorts(r string) option       { return func(c *harnessConfig) { c.ports = r } }
func withReady(f func() error) option { return func(c *harnessConfig) { c.ready = f } }
func withAllow(prefixes ...string) option {
	return withSIP(func(c *srs.Config) { c.Allow = parsePrefixes(prefixes) })
}

func parsePrefixes(ps []string) []netip.Prefix {
	out := make([]netip.Prefix, len(ps))
	for i, p := range ps {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}

func newHarness(t testing.TB, opts ...option) *harness {
	t.Helper()
	hc := harnessConfig{
		sip: srs.Config{
			Listen: []srs.Listen{
				{Network: "udp", Addr: "127.0.0.1:0"},
				{Network: "tcp", Addr: "127.0.0.1:0"},
				{Network: "tls", Addr: "127.0.0.1:0"},
			},
			TLS:         serverTLS(t),
			MaxSessions: 50,
			MediaAddr:   loopback,
			RetryAfter:  7 * time.Second,
			AckTimeout:  3 * time.Second,
		},
		gate: gate.Config{
			MatchTimeout:  time.Minute,
			EarlyEventTTL: 30 * time.Second,
			EndGrace:      time.Second,
			LegTimeout:    10 * time.Second,
		},
		ports: nextPortRange(),
	}
	for _, o := range opts {
		o(&hc)
	}
	log := testLogger(t)
	reg := prometheus.NewRegistry()
	engine, err := media.NewEngine(media.EngineConfig{Address: loopback, Ports: hc.ports, Workers: 1},
		log.With("component", "media"), media.NewMetrics(reg))
	if err != nil {
		t.Fatalf("media.NewEngine: %v", err)
	}
	g, err := gate.New(hc.gate, log, gate.NewMetrics(reg), nil)
	if err != nil {
		t.Fatalf("gate.New: %v", err)
	}
	rec := &fakeRecorder{}
	srv, err := srs.New(hc.sip, srs.Deps{
		Log:      log,
		Metrics:  srs.NewMetrics(reg),
		Media:    engine,
		Gate:     g,
		Recorder: rec,
		Ready:    hc.ready,
	})
	if err != nil {
		t.Fatalf("srs.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := engine.Start(ctx); err != nil {
		t.Fatalf("engine.Start: %v", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := g.Run(ctx); err != nil {
			t.Errorf("gate.Run: %v", err)
		}
	})
	if err := srv.Start(ctx); err != nil {
		t.Fatalf("srs.Start: %v", err)
	}
	t.Cleanup(func() {
		udpBarrier(t, srv)
		// The gate first: it cancels leg calls in flight and sends no BYE.
		if err := g.Close(); err != nil {
			t.Errorf("gate.Close: %v", err)
		}
		if err := srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("srs.Close: %v", err)
		}
		if err := engine.Close(); err != nil {
			t.Errorf("engine.Close: %v", err)
		}
		cancel()
		wg.Wait()
	})
	return &harness{t: t, srv: srv, gate: g, engine: engine, reg: reg, rec: rec}
}

// udpBarrier makes an OPTIONS round trip over UDP before the server
// closes. sipgo hands every datagram to a goroutine of its own; one still
// on its way when UserAgent.Close has run (typically the SBC's last ACK)
// finds neither its transaction nor a pooled socket and opens a new UDP
// socket that nothing closes. The round trip lets such stragglers land.
func udpBarrier(t testing.TB, srv *srs.Server) {
	addr, ok := srv.Addr("udp")
	if !ok {
		return
	}
	addr = reachable(addr)
	pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Errorf("barrier: %v", err)
		return
	}
	defer pc.Close()
	local := pc.LocalAddr().String()
	req := fmt.Sprintf("OPTIONS sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:barrier@127.0.0.1>;tag=%s\r\nTo: <sip:srs@127.0.0.1>\r\n"+
		"Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", addr, local, randHex(8), randHex(4), randHex(8))
	if _, err := pc.WriteToUDPAddrPort([]byte(req), addr); err != nil {
		t.Errorf("barrier: %v", err)
		return
	}
	_ = pc.SetReadDeadline(time.Now().Add(waitFor))
	buf := make([]byte, 4096)
	if _, _, err := pc.ReadFromUDP(buf); err != nil {
		t.Errorf("barrier: no answer to OPTIONS: %v", err)
	}
}

// testLogger writes to the test log when -v is given, else discards, so
// that failures keep their context without flooding normal runs. sipgo
// goroutines may log after the test is over; those lines are dropped.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	w := &tbWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *tbWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (h *harness) addr(network string) netip.AddrPort {
	h.t.Helper()
	a, ok := h.srv.Addr(network)
	if !ok {
		h.t.Fatalf("server has no %s listener", network)
	}
	return a
}

// deliver hands a CTI event to the gate.
func (h *harness) deliver(ev cti.Event) gate.DeliverResult {
	h.t.Helper()
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	res, err := h.gate.Deliver(context.Background(), ev)
	if err != nil {
		h.t.Fatalf("gate.Deliver(%+v): %v", ev, err)
	}
	return res
}

// session returns the gate's snapshot of the session with the Call-ID.
func (h *harness) session(callID string) (gate.Snapshot, bool) {
	for _, s := range h.gate.Sessions() {
		if s.Info.CallID == callID {
			return s, true
		}
	}
	return gate.Snapshot{}, false
}

func (h *harness) waitState(callID string, want gate.State) gate.Snapshot {
	h.t.Helper()
	var snap gate.Snapshot
	eventually(h.t, fmt.Sprintf("session %s in state %s", callID, want), func() bool {
		var ok bool
		snap, ok = h.session(callID)
		return ok && snap.State == want && (want != gate.StateActive || !snap.ActivatedAt.IsZero())
	})
	return snap
}

// metric returns the value of the counter or gauge name whose labels
// include the given name/value pairs; 0 when there is none.
func (h *harness) metric(name string, labels ...string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatalf("Gather: %v", err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				total += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				total += m.GetGauge().GetValue()
			}
		}
	}
	return total
}

// waitMetric waits until metric reaches want; metrics are often counted
// just after the response is written.
func (h *harness) waitMetric(want float64, name string, labels ...string) {
	h.t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		got := h.metric(name, labels...)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("metric %s%v = %v, want %v", name, labels, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeRecorder keeps recordings in memory.
type fakeRecorder struct {
	mu   sync.Mutex
	recs []*fakeRecording
}

func (r *fakeRecorder) Open(_ context.Context, meta relay.RecordingMeta) (relay.Recording, error) {
	rec := &fakeRecording{meta: meta}
	r.mu.Lock()
	r.recs = append(r.recs, rec)
	r.mu.Unlock()
	return rec, nil
}

// find returns the recording whose keys include k.
func (r *fakeRecorder) find(k callkey.Key) *fakeRecording {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.recs {
		if rec.meta.Keys.Has(k) {
			return rec
		}
	}
	return nil
}

func (r *fakeRecorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recs)
}

type fakeRecording struct {
	meta relay.RecordingMeta

	mu      sync.Mutex
	frames  int
	audible [2]int // frames with a non-zero sample per channel
	paused  bool
	closed  bool
	final   relay.FinalMeta
}

func (r *fakeRecording) WriteFrame(f *relay.Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("fake recording: write after close")
	}
	r.frames++
	for ch := range 2 {
		for i := ch; i < len(f.Samples); i += 2 {
			if f.Samples[i] != 0 {
				r.audible[ch]++
				break
			}
		}
	}
	return nil
}

func (r *fakeRecording) Pause()  { r.mu.Lock(); r.paused = true; r.mu.Unlock() }
func (r *fakeRecording) Resume() { r.mu.Lock(); r.paused = false; r.mu.Unlock() }

func (r *fakeRecording) Close(final relay.FinalMeta) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return relay.ErrClosed
	}
	r.closed, r.final = true, final
	return nil
}

func (r *fakeRecording) state() (frames int, audible [2]int, closed bool, final relay.FinalMeta) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frames, r.audible, r.closed, r.final
}

// serverTLS is a TLS config with a self-signed certificate for 127.0.0.1,
// made once per test binary.
var serverTLS = func() func(testing.TB) *tls.Config {
	var (
		once sync.Once
		cfg  *tls.Config
		err  error
	)
	return func(t testing.TB) *tls.Config {
		once.Do(func() { cfg, err = selfSigned() })
		if err != nil {
			t.Fatalf("self-signed certificate: %v", err)
		}
		return cfg
	}
}()

func selfSigned() (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "cogito-edge test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// clientTLS trusts the test certificate.
func clientTLS(t testing.TB) *tls.Config {
	srv := serverTLS(t)
	leaf, err := x509.ParseCertificate(srv.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatalf("parse test certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}
