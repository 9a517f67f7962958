package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/edgeproc"
)

// pktPerCall is what one call sends per second: two legs at 50 packets/s.
const pktPerCall = 100

// sample is one end of a measuring window.
type sample struct {
	edge    edgeproc.ProcStat
	self    time.Duration
	host    edgeproc.HostCPU
	udp     edgeproc.UDPStats
	metrics edgeproc.Metrics
	sent    uint64
}

// runBenchStep runs n calls: ramp, hold, measure, hang up, account.
func runBenchStep(ctx context.Context, o benchOptions, edge *edgeproc.Edge, n int, res *benchResult) (*benchRow, error) {
	row := &benchRow{calls: n}
	before, err := edge.Metrics(ctx)
	if err != nil {
		return nil, err
	}
	udp0, _ := edgeproc.ReadUDPStats()
	ramp := time.Duration(float64(n) / o.rate * float64(time.Second))

	var (
		mu        sync.Mutex
		active    []*callgen.Call
		allActive = make(chan struct{})
	)
	g, err := callgen.New(callgen.Config{
		Target:            edge.SIPAddr().String(),
		Transport:         "tcp",
		Calls:             n,
		Concurrency:       n,
		Rate:              o.rate,
		Duration:          ramp*5/4 + o.hold + 2*time.Second,
		Direction:         callgen.Inbound,
		CTIURL:            edge.CTIURL(),
		ActivationTimeout: 30*time.Second + 2*ramp,
		Logger:            slog.Default(),
		OnActivated: func(_ context.Context, c *callgen.Call) {
			mu.Lock()
			active = append(active, c)
			if len(active) == n {
				close(allActive)
			}
			mu.Unlock()
		},
	})
	if err != nil {
		return nil, err
	}
	if err := g.Start(ctx); err != nil {
		return nil, err
	}
	defer g.Close()
	sentNow := func() uint64 {
		mu.Lock()
		calls := append([]*callgen.Call(nil), active...)
		mu.Unlock()
		var s uint64
		for _, c := range calls {
			r := c.Report()
			s += r.Legs[0].Packets + r.Legs[1].Packets
		}
		return s
	}
	t0 := time.Now()
	done := make(chan callgen.Report, 1)
	go func() { done <- g.Run(ctx) }()

	var rep callgen.Report
	finished := false
	wait := time.NewTimer(2*ramp + 40*time.Second)
	select {
	case <-allActive:
		row.ramp = time.Since(t0)
	case rep = <-done: // every call ended (failed) before all were active
		finished = true
	case <-wait.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	wait.Stop()
	mu.Lock()
	row.activated = len(active)
	mu.Unlock()

	if !finished && row.activated > 0 {
		if err := sleepCtx(ctx, o.hold-o.window); err != nil {
			return nil, err
		}
		a, err := takeSample(ctx, edge, sentNow)
		if err != nil {
			return nil, err
		}
		if err := sleepCtx(ctx, o.window); err != nil {
			return nil, err
		}
		b, err := takeSample(ctx, edge, sentNow)
		if err != nil {
			return nil, err
		}
		row.measure(a, b)
	}
	if !finished {
		select {
		case rep = <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	row.failed = rep.Failed
	row.genLate, row.genSkipped, row.genSendErrors = rep.Late, rep.Skipped, rep.SendErrors
	row.errors = summarizeErrors(rep.Errors)
	for _, c := range rep.Results {
		if !c.ActivatedAt.IsZero() {
			row.sent += c.Legs[0].Packets + c.Legs[1].Packets
		}
	}
	if err := waitRecordingsClosed(ctx, edge); err != nil {
		row.errors = append(row.errors, err.Error())
	}
	after, err := edge.Metrics(ctx)
	if err != nil {
		return nil, err
	}
	drops := after.ByLabel(after.Name("media_packets_dropped_total"), "reason")
	dropsBefore := before.ByLabel(before.Name("media_packets_dropped_total"), "reason")
	row.drops = map[string]float64{}
	for k, v := range drops {
		if d := v - dropsBefore[k]; d != 0 {
			row.drops[k] = d
		}
	}
	row.writeDrops = after.Edge("relay_local_dropped_samples_total") - before.Edge("relay_local_dropped_samples_total")
	row.late = after.Edge("media_late_packets_total") - before.Edge("media_late_packets_total")
	if udp1, err := edgeproc.ReadUDPStats(); err == nil {
		row.kernelDrops = udp1.RcvbufErrors - udp0.RcvbufErrors
	}
	if err := row.account(res.recDir, rep); err != nil {
		return nil, err
	}
	if o.baseline && row.activated > 0 {
		b, err := runBaseline(ctx, o, 2*row.activated)
		if err != nil {
			row.errors = append(row.errors, "baseline: "+err.Error())
		}
		row.base = b
	}
	return row, nil
}

// takeSample reads every counter of a window's end, the appliance's CPU
// first and last so the scrape's own cost is outside the window.
func takeSample(ctx context.Context, edge *edgeproc.Edge, sentNow func() uint64) (sample, error) {
	var s sample
	var err error
	if s.edge, err = edge.Usage(); err != nil {
		return s, err
	}
	s.sent = sentNow()
	s.self = selfCPU()
	s.host, _ = edgeproc.ReadHostCPU()
	s.udp, _ = edgeproc.ReadUDPStats()
	if s.metrics, err = edge.Metrics(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// measure fills the window's figures from its two ends.
func (r *benchRow) measure(a, b sample) {
	wall := b.edge.At.Sub(a.edge.At)
	r.window = wall
	secs := wall.Seconds()
	recv := b.metrics.Edge("media_packets_received_total") - a.metrics.Edge("media_packets_received_total")
	r.sentPPS = float64(b.sent-a.sent) / secs
	r.recvPPS = recv / secs
	r.edgeCPU = edgeproc.CPUPercent(a.edge, b.edge)
	r.genCPU = 100 * (b.self - a.self).Seconds() / secs
	r.hostCPU = edgeproc.HostBusyPercent(a.host, b.host)
	r.rss = b.edge.RSS
	if recv > 0 {
		r.nsPerPkt = float64((b.edge.CPU() - a.edge.CPU()).Nanoseconds()) / recv
	}
	r.wavBPS = (b.metrics.Edge("relay_local_bytes_written_total") - a.metrics.Edge("relay_local_bytes_written_total")) / secs
}

// account matches every call callgen placed with its recording's JSON
// (by Call-ID) and sums the packets the appliance received and lost, then
// deletes the step's recordings.
func (r *benchRow) account(dir string, rep callgen.Report) error {
	recs, err := edgeproc.Recordings(dir)
	if err != nil {
		return err
	}
	byCallID := make(map[string]*edgeproc.Recording, len(recs))
	for i := range recs {
		for _, k := range recs[i].Manifest.Keys.Of(callkey.KindCallID) {
			byCallID[k.Value] = &recs[i]
		}
	}
	for _, c := range rep.Results {
		if c.ActivatedAt.IsZero() {
			continue
		}
		rec := byCallID[c.CallID]
		if rec == nil {
			r.noRecording++
			continue
		}
		for _, s := range rec.Manifest.Streams {
			r.recv += s.Packets
			r.lostSeq += s.Lost
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// waitRecordingsClosed waits until the appliance holds no session and no
// open recording.
func waitRecordingsClosed(ctx context.Context, edge *edgeproc.Edge) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		m, err := edge.Metrics(ctx)
		if err == nil && m.Edge("gate_sessions")+m.Edge("relay_local_recordings")+m.Edge("media_sessions") == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sessions still open after the calls ended: %v", ctx.Err())
		case <-tick.C:
		}
	}
}

// runBaseline drives a udpsink child with sockets sockets from callgen's
// pacer, as many legs as the step's calls had, and measures its CPU.
func runBaseline(ctx context.Context, o benchOptions, sockets int) (*baseRow, error) {
	sink, err := startSinkProc(sockets)
	if err != nil {
		return nil, err
	}
	defer sink.stop()
	const settle = 2 * time.Second
	g, err := callgen.New(callgen.Config{Target: "127.0.0.1:9", Duration: settle + o.baseWindow + 5*time.Second, Logger: slog.Default()})
	if err != nil {
		return nil, err
	}
	if err := g.Start(ctx); err != nil {
		return nil, err
	}
	defer g.Close()
	dsts := make([]netip.AddrPort, len(sink.hello.Ports))
	for i, p := range sink.hello.Ports {
		dsts[i] = netip.AddrPortFrom(loopback, p)
	}
	st, err := g.StartStreams(dsts)
	if err != nil {
		return nil, err
	}
	if err := sleepCtx(ctx, settle); err != nil {
		st.Close()
		return nil, err
	}
	a, err := edgeproc.ReadProc(sink.hello.PID)
	if err != nil {
		st.Close()
		return nil, err
	}
	ca, err := sink.count()
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := sleepCtx(ctx, o.baseWindow); err != nil {
		st.Close()
		return nil, err
	}
	b, err := edgeproc.ReadProc(sink.hello.PID)
	if err != nil {
		st.Close()
		return nil, err
	}
	cb, err := sink.count()
	sent := st.Close()
	if err != nil {
		return nil, err
	}
	final, err := sink.count()
	if err != nil {
		return nil, err
	}
	got := cb.Packets - ca.Packets
	br := &baseRow{
		pps: float64(got) / b.At.Sub(a.At).Seconds(),
		cpu: edgeproc.CPUPercent(a, b),
	}
	if got > 0 {
		br.nsPerPkt = float64((b.CPU() - a.CPU()).Nanoseconds()) / float64(got)
	}
	if sent.Packets > final.Packets {
		br.lost = sent.Packets - final.Packets
	}
	return br, nil
}

// sleepCtx waits d unless ctx ends first: a measuring window is a span of
// time, not a condition to await.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// selfCPU returns this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func numCPU() int { return runtime.NumCPU() }

// summarizeErrors renders callgen's error counts, most frequent first.
func summarizeErrors(m map[string]int) []string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range m {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var out []string
	for _, e := range all[:min(len(all), 5)] {
		out = append(out, fmt.Sprintf("%dx %s", e.v, strings.TrimSpace(e.k)))
	}
	return out
}
