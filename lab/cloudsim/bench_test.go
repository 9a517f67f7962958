package cloudsim

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/cogito/cogito-edge/tunnel"
)

// benchCloudEnv makes the test binary, started by the relay benchmark,
// the cloud instead of running tests: the cloud's CPU is then not the
// appliance's. Its value is the appliance's public key.
const benchCloudEnv = "COGITO_CLOUDSIM_BENCH_CLOUD"

func TestMain(m *testing.M) {
	if pub := os.Getenv(benchCloudEnv); pub != "" {
		os.Exit(serveBenchCloud(pub, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// benchCloudHello is what the benchmark's cloud says once it is up.
type benchCloudHello struct {
	PublicKey string `json:"public_key"`
	Endpoint  string `json:"endpoint"`
	RelayURL  string `json:"relay_url"`
	APIKey    string `json:"api_key"`
	Secret    string `json:"secret"`
}

// benchCloudSummary is what the benchmark's cloud ingested, said when it
// stops.
type benchCloudSummary struct {
	Recordings int     `json:"recordings"`
	Complete   int     `json:"complete"`
	Gaps       int     `json:"gaps"`
	Received   float64 `json:"received_seconds"` // over all recordings
	Err        string  `json:"error,omitempty"`
}

// serveBenchCloud runs a simulator with its ingest for the appliance key
// pub, writing recordings to a temporary directory (tmpfs when there is
// one): it prints a benchCloudHello line, serves until in closes, then
// prints a benchCloudSummary line.
func serveBenchCloud(pub string, in io.Reader, out io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "bench cloud:", err)
		return 1
	}
	peer, err := tunnel.ParseKey(pub)
	if err != nil {
		return fail(err)
	}
	priv, err := tunnel.GenerateKey()
	if err != nil {
		return fail(err)
	}
	base := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "cogito-bench-ingest-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	sim, err := New(Config{PrivateKey: priv, PeerPublicKey: peer, Ingest: IngestConfig{Dir: dir}}, nil, nil)
	if err != nil {
		return fail(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		return fail(err)
	}
	hello, _ := json.Marshal(benchCloudHello{PublicKey: sim.PublicKey().String(), Endpoint: sim.Endpoint().String(),
		RelayURL: sim.RelayURL(), APIKey: sim.RelayAPIKey(), Secret: base64.StdEncoding.EncodeToString(sim.RelaySecret())})
	fmt.Fprintf(out, "%s\n", hello)
	_, _ = io.Copy(io.Discard, in)
	var sum benchCloudSummary
	// The appliance closed its recordings: let their sessions end before
	// Close, whose grace is short.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = sim.Ingest().WaitSessions(ctx, func(ss []ahlab.Session) bool {
		for _, s := range ss {
			if s.Live {
				return false
			}
		}
		return true
	})
	if err := sim.Close(); err != nil {
		sum.Err = err.Error()
	}
	for _, r := range sim.Ingest().Recordings() {
		sum.Recordings++
		if r.Complete && r.EndReason == "end" {
			sum.Complete++
		}
		sum.Gaps += len(r.Gaps)
		sum.Received += r.ReceivedSeconds
	}
	b, _ := json.Marshal(sum)
	fmt.Fprintf(out, "%s\n", b)
	return 0
}

// BenchmarkRelayThroughTunnel is the relay's throughput through the
// tunnel (issue 5): n concurrent calls, each a real relay.CloudStore
// recording fed a 20 ms stereo frame every 20 ms (as the media clock
// does), streamed as 100 ms-framed stereo PCMU AudioHook through a
// netstack WireGuard tunnel to the simulator's ingest, which writes every
// recording. The cloud runs in a child process, so that this process's CPU
// time is the appliance's side alone: the relay (PCMU encoding, the ring,
// the AudioHook client) and its end of the tunnel.
//
// Each iteration is one 20 ms tick of n streams, paced in real time. It
// reports streams/core (the streams sustained divided by the cores the
// appliance side used), streams/core-both (counting the cloud's CPU too),
// each side's CPU % of one core, realtime (1 when every tick kept its
// pace: the streams sustained are n × realtime) and max-tick-ms (the
// longest a tick's n WriteFrame calls took). After the run every recording
// must be delivered with nothing dropped, and ingested complete with no
// gap. The figures are only as quiet as the machine: other load lowers
// realtime and raises the CPU per stream.
func BenchmarkRelayThroughTunnel(b *testing.B) {
	for _, n := range []int{100, 500, 1000} {
		b.Run(fmt.Sprintf("streams=%d", n), func(b *testing.B) { benchRelay(b, n) })
	}
}

func benchRelay(b *testing.B, n int) {
	edgeKey, err := tunnel.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	cloud, hello, summary := startBenchCloud(b, tunnel.PublicKey(edgeKey))
	peer, err := tunnel.ParseKey(hello.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	tun, err := tunnel.New(tunnel.Config{
		PrivateKey: edgeKey, Addresses: []netip.Prefix{netip.PrefixFrom(DefaultPeerAddress, 32)},
		PeerPublicKey: peer, Endpoint: hello.Endpoint, ListenAddress: netip.MustParseAddr("127.0.0.1"),
		AllowedIPs: []netip.Prefix{DefaultAddress.Masked()}, CheckInterval: time.Minute,
	}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tun.Close() })
	if err := tun.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	secret, _ := base64.StdEncoding.DecodeString(hello.Secret)
	store, err := relay.NewCloud(relay.CloudConfig{URL: hello.RelayURL, APIKey: hello.APIKey, Secret: secret,
		ApplianceID: "bench-edge", DialContext: tun.DialContext}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	recs := make([]*relay.CloudRecording, n)
	for i := range recs {
		if recs[i], err = store.OpenCloud(b.Context(), relay.RecordingMeta{SessionID: fmt.Sprintf("bench-%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; i < n; { // every stream's session open before the clock starts
		if len(recs[i].Report().Sessions) > 0 {
			i++
			continue
		}
		if time.Now().After(deadline) {
			b.Fatalf("stream %d: no AudioHook session after 30 s: %+v", i, recs[i].Report())
		}
		time.Sleep(10 * time.Millisecond) // the report has nothing to wait on
	}

	frame := benchFrame()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	ticks := 0
	edge0, err := edgeproc.ReadProc(os.Getpid())
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	cloud0, _ := edgeproc.ReadProc(cloud.Process.Pid)
	var worst time.Duration // the longest tick's writes
	for b.Loop() {
		<-tick.C
		t0 := time.Now()
		f := relay.Frame{Seq: uint64(ticks), Start: time.Duration(ticks) * 20 * time.Millisecond, Samples: frame}
		for _, r := range recs {
			if err := r.WriteFrame(&f); err != nil {
				b.Fatal(err)
			}
		}
		ticks++
		worst = max(worst, time.Since(t0))
	}
	edge1, _ := edgeproc.ReadProc(os.Getpid())
	cloud1, _ := edgeproc.ReadProc(cloud.Process.Pid)
	b.StopTimer()

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, r := range recs {
		wg.Go(func() { errs[i] = r.Close(relay.FinalMeta{EndedAt: time.Now(), Reason: "bye"}) })
	}
	wg.Wait()
	for i, r := range recs {
		if rep := r.Report(); errs[i] != nil || rep.Status != relay.CloudDelivered || rep.Dropped.SamplesPerChannel != 0 {
			b.Fatalf("stream %d: %v, report %+v", i, errs[i], rep)
		}
	}
	sum := summary()
	want := float64(n) * float64(ticks) * 0.02
	if sum.Err != "" || sum.Recordings != n || sum.Complete != n || sum.Gaps != 0 || sum.Received < want-0.001 {
		b.Fatalf("ingested %+v; want %d complete recordings, %.1fs in all, no gap", sum, n, want)
	}

	wall := edge1.At.Sub(edge0.At).Seconds()
	edgeCores := (edge1.CPU() - edge0.CPU()).Seconds() / wall
	cloudCores := (cloud1.CPU() - cloud0.CPU()).Seconds() / wall
	realtime := float64(ticks) * 0.02 / wall
	streams := float64(n) * realtime // the streams actually sustained
	b.ReportMetric(streams/edgeCores, "streams/core")
	b.ReportMetric(streams/(edgeCores+cloudCores), "streams/core-both")
	b.ReportMetric(100*edgeCores, "edge-cpu-%")
	b.ReportMetric(100*cloudCores, "cloud-cpu-%")
	b.ReportMetric(realtime, "realtime")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-tick-ms")
}

// startBenchCloud starts the cloud as a child process for the appliance
// key pub. summary closes its input and returns what it ingested.
func startBenchCloud(b *testing.B, pub tunnel.Key) (*exec.Cmd, benchCloudHello, func() benchCloudSummary) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), benchCloudEnv+"="+pub.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var once sync.Once
	var sum benchCloudSummary
	summary := func() benchCloudSummary {
		once.Do(func() {
			stdin.Close()
			if lines.Scan() {
				_ = json.Unmarshal(lines.Bytes(), &sum)
			}
			_ = cmd.Wait()
		})
		return sum
	}
	b.Cleanup(func() { summary() })
	var hello benchCloudHello
	if !lines.Scan() || json.Unmarshal(lines.Bytes(), &hello) != nil {
		b.Fatalf("the cloud did not start: %q", lines.Text())
	}
	return cmd, hello, summary
}

// benchFrame is 20 ms of the lab's tones, interleaved stereo.
func benchFrame() []int16 {
	mono := make([]int16, 160)
	frame := make([]int16, 320)
	for ch, hz := range []float64{ahlab.CustomerHz, ahlab.AgentHz} {
		tone.Tone{Freq: hz}.Fill(mono, tone.SampleRate, 0)
		for i, v := range mono {
			frame[2*i+ch] = v
		}
	}
	return frame
}
