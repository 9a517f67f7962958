package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cogito/cogito-edge/lab/edgeproc"
)

// benchOptions are the flags of `cogito-lab bench`.
type benchOptions struct {
	edge       string
	start      int
	step       int
	max        int
	hold       time.Duration
	window     time.Duration
	baseWindow time.Duration
	rate       float64
	baseline   bool
	recDir     string
	keep       string
	logLevel   string
}

// runBench is `cogito-lab bench`: the appliance under a ramp of active
// calls, against a bare UDP reader on the same load.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", stderr)
	var o benchOptions
	fs.StringVar(&o.edge, "edge", "bin/cogito-edge", "the cogito-edge binary to run")
	fs.IntVar(&o.start, "start", 100, "concurrent active calls of the first step")
	fs.IntVar(&o.step, "step", 200, "calls added at each step")
	fs.IntVar(&o.max, "max", 2400, "last step (at most)")
	fs.DurationVar(&o.hold, "hold", 20*time.Second, "how long each step holds all its calls active")
	fs.DurationVar(&o.window, "window", 10*time.Second, "measured part at the end of the hold")
	fs.DurationVar(&o.baseWindow, "baseline-window", 5*time.Second, "measured part of each baseline run")
	fs.Float64Var(&o.rate, "rate", 300, "call setup rate (calls per second) of the ramp")
	fs.BoolVar(&o.baseline, "baseline", true, "measure a bare Go UDP reader (cogito-lab udpsink) on the same load at each step")
	fs.StringVar(&o.recDir, "rec-dir", "", "recording.dir for the appliance (default: a directory on tmpfs, /dev/shm, so disk speed does not skew the figures)")
	fs.StringVar(&o.keep, "keep", "", "keep the artefacts (config, logs) in this directory; recordings are deleted after each step")
	fs.StringVar(&o.logLevel, "log-level", "info", "the appliance's log.level")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab bench [flags]

Ramps concurrent ACTIVE calls (callgen: 2 legs x 50 packets/s, PCMU, plain RTP,
SIP over TCP, a CTI start per call) on the appliance binary, step by step
until packets are lost. At each step it waits for every call to be active,
measures the appliance's CPU and RSS over a steady window, accounts every
packet sent against the appliance's per-call recording JSON, then drives a
bare Go UDP reader (udpsink: same number of sockets, a goroutine each) with
the same pacer load for the CPU ratio. Prints a table at the end.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "bench", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	switch {
	case o.start <= 0 || o.step <= 0 || o.max < o.start:
		return usageErr(stderr, "bench", fmt.Errorf("want 0 < --start <= --max and --step > 0"))
	case o.hold < time.Second || o.window <= 0 || o.baseWindow <= 0 || o.rate <= 0:
		return usageErr(stderr, "bench", fmt.Errorf("want --hold >= 1s and positive --window, --baseline-window, --rate"))
	}
	o.window = min(o.window, o.hold)
	res, err := runBenchSteps(ctx, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab bench: %v\n", err)
		return exitRuntime
	}
	if len(res.rows) == 0 {
		return exitFailed
	}
	return exitOK
}

// benchResult is a bench run, for tests.
type benchResult struct {
	idleRSS uint64
	rows    []*benchRow
	recDir  string
	onTmpfs bool
}

// bestZeroLoss returns the row with the most calls and no loss, or nil.
func (r *benchResult) bestZeroLoss() *benchRow {
	var best *benchRow
	for _, row := range r.rows {
		if row.clean() && (best == nil || row.calls > best.calls) {
			best = row
		}
	}
	return best
}

// runBenchSteps starts the appliance and runs the steps.
func runBenchSteps(ctx context.Context, o benchOptions, w io.Writer) (*benchResult, error) {
	dir, temp, err := artefactDir(o.keep, "cogito-bench-")
	if err != nil {
		return nil, err
	}
	if temp {
		defer os.RemoveAll(dir)
	}
	res := &benchResult{recDir: o.recDir}
	if res.recDir == "" {
		res.recDir, res.onTmpfs, err = tmpfsDir()
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(res.recDir)
	}
	// callgen and sipgo log through slog; keep their lines out of the table.
	logf, err := os.Create(filepath.Join(dir, "bench.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	defer slog.SetDefault(prev)

	edge, err := edgeproc.Start(ctx, edgeproc.Options{
		Binary: o.edge, Dir: filepath.Join(dir, "edge"), RecordingDir: res.recDir,
		MaxSessions: o.max + 100, LogLevel: o.logLevel, DrainTimeout: 5 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("start the appliance: %w", err)
	}
	defer edge.Stop()
	idle, err := edge.Usage()
	if err != nil {
		return nil, err
	}
	res.idleRSS = idle.RSS
	cfg := edge.Config()
	where := "disk"
	if res.onTmpfs {
		where = "tmpfs"
	}
	fmt.Fprintf(w, "cogito-lab bench: appliance %s (pid %d), SIP %s tcp, media %d-%d, recordings on %s (%s), %d CPUs\n",
		o.edge, edge.PID(), edge.SIPAddr(), cfg.MediaPorts[0], cfg.MediaPorts[1], where, res.recDir, numCPU())
	fmt.Fprintf(w, "  steps %d..%d by %d calls, setup %.0f calls/s, hold %v (window %v), baseline %v; idle RSS %.1f MB\n",
		o.start, o.max, o.step, o.rate, o.hold, o.window, o.baseline, mb(idle.RSS))
	fmt.Fprintf(w, "  artefacts %s\n\n", dir)

	for n := o.start; n <= o.max && ctx.Err() == nil; n += o.step {
		row, err := runBenchStep(ctx, o, edge, n, res)
		if err != nil {
			return res, err
		}
		res.rows = append(res.rows, row)
		printBenchProgress(w, row)
		if !row.clean() {
			fmt.Fprintf(w, "  -> %d calls: %s; stopping the ramp\n", n, row.verdict())
			break
		}
		if err := edge.Err(); err != nil {
			return res, fmt.Errorf("the appliance died: %w\n%s", err, edge.LogTail(20))
		}
	}
	printBenchTable(w, o, res)
	logs, err := edge.Logs()
	if err == nil {
		printBenchLogs(w, edge.LogPath(), logs)
	}
	return res, nil
}

// tmpfsDir makes a recording directory on /dev/shm when it is a tmpfs,
// else in the temporary directory.
func tmpfsDir() (string, bool, error) {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "cogito-bench-rec-"); err == nil {
			return d, true, nil
		}
	}
	d, err := os.MkdirTemp("", "cogito-bench-rec-")
	return d, false, err
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }
