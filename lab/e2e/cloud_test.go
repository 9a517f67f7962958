package e2e

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/callgen"
)

// TestCloudPath is the cloud path in-process (issues 4 and 5): the cloud
// simulator and the appliance with cti.source cloud and sink both, joined
// by a real netstack WireGuard tunnel on loopback. SIPREC calls come in
// (the client posts no CTI itself), the appliance announces their keys
// over the control channel, the test injects each CTI start at the
// simulator's API, the simulator routes it by those keys, and the
// appliance re-INVITEs, records the right tone on each channel and relays
// the same audio as AudioHook through the tunnel to the cloud's ingest.
// It measures, over 20 calls, the latency from the CTI injection to the
// first audio at the ingest.
func TestCloudPath(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	t.Parallel()
	ce := startCloudEdge(t, cloudOptions{sink: config.SinkBoth})
	waitFor(t, 15*time.Second, "the appliance on the control channel", func() bool { _, ok := ce.appliance(); return ok })
	waitFor(t, 10*time.Second, "/readyz 200", func() bool { code, _ := ce.readyz(); return code == 200 })
	if a, _ := ce.appliance(); a.Version != "e2e" {
		t.Errorf("hello version %q", a.Version)
	}
	if code := sipOptions(t, ce.sip("udp")); code != 200 {
		t.Errorf("OPTIONS: %d", code)
	}

	const (
		d     = 2 * time.Second
		calls = 10 // per direction: 20 in all
	)
	var injected sync.Map
	var activation, firstAudio []time.Duration
	for _, dir := range []callgen.Direction{callgen.Inbound, callgen.Outbound} {
		rep := runCloudCalls(t, ce, callgen.Config{Calls: calls, Concurrency: calls, Rate: 50, Duration: d, Direction: dir,
			OnAnswered: ce.injectOnAnswer(&injected)})
		for _, r := range rep.Results {
			m := checkRecording(t, ce.edge, r, d)
			if string(m.Direction) != string(dir) {
				t.Errorf("call %d: direction %q, want %s", r.N, m.Direction, dir)
			}
			_, wav := ce.recordingByKey(callKey(r.Keys), time.Second)
			conv := ce.conversation(m.SessionID, m.Keys)
			checkIngested(t, ce.ingested(conv), d, wav)
			at, ok := injected.Load(r.CallID)
			if !ok {
				t.Errorf("call %d: no CTI injected", r.N)
				continue
			}
			if !r.ActivatedAt.IsZero() {
				activation = append(activation, r.ActivatedAt.Sub(at.(time.Time)))
			}
			if first, ok := ce.sim.FirstAudio(conv); ok {
				firstAudio = append(firstAudio, first.Sub(at.(time.Time)))
			}
		}
	}
	slices.Sort(activation)
	slices.Sort(firstAudio)
	t.Logf("CTI injected at the cloud → re-INVITE ACKed, over %d calls: p50 %v, max %v",
		len(activation), percentile(activation, 50).Round(time.Millisecond), percentile(activation, 100).Round(time.Millisecond))
	p50, p99 := percentile(firstAudio, 50), percentile(firstAudio, 99)
	t.Logf("CTI injected at the cloud → first audio at the cloud's ingest, over %d calls: p50 %v, p99 %v, min %v",
		len(firstAudio), p50.Round(time.Millisecond), p99.Round(time.Millisecond), percentile(firstAudio, 0).Round(time.Millisecond))
	if len(firstAudio) != 2*calls || p99 > 2*time.Second || p50 <= 0 {
		t.Errorf("first audio at the ingest for %d of %d calls, p50 %v, p99 %v: want every call within 2 s", len(firstAudio), 2*calls, p50, p99)
	}

	// Every call ended: the cloud holds no session of the appliance.
	waitFor(t, 10*time.Second, "the ended sessions announced", func() bool {
		a, ok := ce.appliance()
		return ok && len(a.Sessions) == 0
	})
	if n := ce.counter("cogito_edge_control_messages_total", map[string]string{"direction": "out", "type": "session"}); n < 3*2*calls {
		t.Errorf("session announcements sent: %v, want ≥ %d (pending, active and ended of each call)", n, 3*2*calls)
	}
	if n := ce.counter("cogito_edge_control_cti_events_total", map[string]string{"outcome": "matched"}); n != 2*calls {
		t.Errorf("cti_events_total{matched} = %v, want %d", n, 2*calls)
	}
}

// runCloudCalls places calls whose CTI comes through the cloud.
func runCloudCalls(t *testing.T, ce *cloudEdge, cfg callgen.Config) callgen.Report {
	t.Helper()
	cfg.Target = ce.sip("tcp")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := callgen.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("callgen: %v (errors %v)", err, rep.Errors)
	}
	for _, r := range rep.Results {
		if r.Err != "" || len(r.Violations) > 0 {
			t.Errorf("call %d: err %q, violations %v", r.N, r.Err, r.Violations)
		}
	}
	if rep.Completed != cfg.Calls {
		t.Fatalf("completed %d of %d calls: %v", rep.Completed, cfg.Calls, rep.Errors)
	}
	return rep
}

// TestCloudTunnelFault cuts the tunnel's UDP for 8 s in the middle of a
// call. The control channel notices within two ping intervals; once it has
// been down past cloud.control_grace, SIP OPTIONS answers 503 and /readyz
// says why, so the SBC would hunt to another recorder; the live call goes
// on, its audio buffered by the relay (cloud.relay.buffer, 30 s). When the
// path comes back, the tunnel carries traffic again, the control channel
// reconnects and says hello, OPTIONS answers 200, and the relay delivers
// what it buffered: the cloud's recording has no gap and is, sample for
// sample, the local one (sink both).
func TestCloudTunnelFault(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	t.Parallel()
	const (
		grace = 2 * time.Second // the appliance pings every 667 ms
		cut   = 8 * time.Second
		d     = 10 * time.Second
	)
	ce := startCloudEdge(t, cloudOptions{grace: grace, simPing: 500 * time.Millisecond, sink: config.SinkBoth})
	waitFor(t, 15*time.Second, "the appliance on the control channel", func() bool { _, ok := ce.appliance(); return ok })
	waitFor(t, 10*time.Second, "OPTIONS 200", func() bool { return sipOptions(t, ce.sip("udp")) == 200 })

	var injected sync.Map
	activated := make(chan string, 1)
	calls := make(chan callgen.Report, 1)
	go func() {
		cfg := callgen.Config{Duration: d, Target: ce.sip("tcp"), OnAnswered: ce.injectOnAnswer(&injected),
			OnActivated: func(_ context.Context, c *callgen.Call) { activated <- c.CallID() }}
		rep, _ := callgen.Run(context.Background(), cfg)
		calls <- rep
	}()
	var conv string
	select {
	case id := <-activated:
		live := ce.waitCall(mustKey(callkey.CallID(id)), "active", 5*time.Second)
		conv = ce.conversation(live.ID, live.Keys)
	case <-time.After(30 * time.Second):
		t.Fatal("the call was never activated")
	}
	// Mid-call: the relay streams to the cloud when the path goes.
	waitFor(t, 5*time.Second, "the call's audio at the ingest", func() bool { _, ok := ce.sim.FirstAudio(conv); return ok })

	cutAt := time.Now()
	ce.udp.drop.Store(true)
	// OPTIONS turns 503 once the channel has been down past its grace.
	var notReadyAfter time.Duration
	waitFor(t, cut, "OPTIONS 503", func() bool {
		if sipOptions(t, ce.sip("udp")) == 503 {
			notReadyAfter = time.Since(cutAt)
			return true
		}
		return false
	})
	if notReadyAfter < grace {
		t.Errorf("OPTIONS 503 after %v, within the grace of %v", notReadyAfter, grace)
	}
	code, body := ce.readyz()
	if code != 503 || !strings.Contains(body, `"name":"cloud_control","ok":false`) || !strings.Contains(body, "connection dead") {
		t.Errorf("/readyz during the cut: %d %s", code, body)
	}
	if !strings.Contains(body, `"name":"tunnel","ok":true`) {
		t.Errorf("/readyz: the tunnel's session is still valid during a short cut: %s", body)
	}
	time.Sleep(time.Until(cutAt.Add(cut))) // the cut lasts its 8 s: nothing to await
	ce.udp.drop.Store(false)
	restoredAt := time.Now()
	t.Logf("cut: OPTIONS 503 after %v; %d datagrams dropped", notReadyAfter.Round(time.Millisecond), ce.udp.dropped.Load())

	waitFor(t, 30*time.Second, "the control channel back", func() bool {
		_, ok := ce.appliance()
		return ok && ce.app != nil && sipOptions(t, ce.sip("udp")) == 200
	})
	t.Logf("restored: OPTIONS 200 again after %v", time.Since(restoredAt).Round(time.Millisecond))
	if code, body := ce.readyz(); code != 200 {
		t.Errorf("/readyz after the cut: %d %s", code, body)
	}
	if n := ce.counter("cogito_edge_control_reconnects_total", nil); n < 1 {
		t.Errorf("reconnects_total = %v", n)
	}
	if n := ce.counter("cogito_edge_tunnel_up", nil); n != 1 {
		t.Errorf("tunnel_up = %v", n)
	}
	// An 8 s cut is shorter than WireGuard's keepalive and rekey timeouts
	// (10 s + 5 s), so the session from before the cut carries on; any
	// initiation sent meanwhile has been answered.
	if h := ce.sim.Tunnel().Health(); !h.Ready {
		t.Errorf("cloud tunnel after the cut: %+v", h)
	}
	t.Logf("edge tunnel: %v handshake attempts, %v unanswered",
		ce.counter("cogito_edge_tunnel_handshake_attempts_total", nil), ce.counter("cogito_edge_tunnel_handshake_failures_total", nil))

	// The live call was never touched: complete, every packet recorded.
	rep := <-calls
	if rep.Completed != 1 {
		t.Fatalf("the live call did not complete: %v", rep.Errors)
	}
	m := checkRecording(t, ce.edge, rep.Results[0], d)
	// The relay buffered through the cut and delivered it all.
	_, wav := ce.recordingByKey(callKey(rep.Results[0].Keys), time.Second)
	if c := ce.conversation(m.SessionID, m.Keys); c != conv {
		t.Fatalf("conversation %s at the end, %s when active", c, conv)
	}
	ing := checkIngested(t, ce.ingested(conv), d, wav)
	cr := localCloudReport(t, wav)
	if cr.Status != relay.CloudDelivered || cr.Dropped.SamplesPerChannel != 0 {
		t.Errorf("relay report after the cut: %+v", cr)
	}
	t.Logf("relay through the cut: %d AudioHook sessions, %d reconnects, %.2fs resent, buffer max %.2fs, outages %+v; ingest received %.2fs, gaps %d",
		len(cr.Sessions), cr.Reconnects, cr.ResentSeconds, cr.BufferMaxSeconds, cr.Outages, ing.AudioHook.ReceivedSeconds, len(ing.AudioHook.Gaps))
}

// TestCloudWrongPeerKey: an appliance configured with a peer key that is
// not the cloud's gets no handshake; it says so in its log (with what to
// check) and metrics, and is not ready.
func TestCloudWrongPeerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	t.Parallel()
	ce := startCloudEdge(t, cloudOptions{wrongPeerKey: true})
	// An initiation counts as failed after REKEY_TIMEOUT (5 s); the tunnel
	// looks every 5 s.
	waitFor(t, 20*time.Second, "a handshake failure counted", func() bool {
		return ce.counter("cogito_edge_tunnel_handshake_failures_total", nil) >= 1
	})
	waitFor(t, 10*time.Second, "the warning in the log", func() bool {
		return strings.Contains(ce.logs.String(), "no WireGuard handshake with the peer")
	})
	var line string
	for l := range strings.Lines(ce.logs.String()) {
		if strings.Contains(l, "no WireGuard handshake with the peer") {
			line = l
			break
		}
	}
	for _, want := range []string{"level=WARN", "Check that peer_public_key is the peer's public key",
		`peer_public_key="` + ce.cfg.Cloud.Tunnel.Peer.PublicKey + `"`, "last_handshake=never"} {
		if !strings.Contains(line, want) {
			t.Errorf("warning lacks %q: %s", want, line)
		}
	}
	code, body := ce.readyz()
	if code != 503 || !strings.Contains(body, `"name":"tunnel","ok":false`) || !strings.Contains(body, "no handshake with the peer") {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code := sipOptions(t, ce.sip("udp")); code != 503 {
		t.Errorf("OPTIONS: %d, want 503", code)
	}
	if _, ok := ce.appliance(); ok {
		t.Error("the cloud sees the appliance")
	}
	if n := ce.counter("cogito_edge_control_connected", nil); n != 0 {
		t.Errorf("control connected = %v", n)
	}
}
