package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/tone"
)

// Tones of the lab calls: the customer's belongs on channel 0, the
// agent's on channel 1; early media carries a tone that must never be
// recorded.
const (
	customerTone = 440
	agentTone    = 1000
	earlyTone    = 2600
	// earlyPackets is what SIPp's early pcap (300 ms) sends per leg while
	// the session is pending.
	earlyPackets = 15
	earlyAudio   = earlyPackets * 20 * time.Millisecond
	// labTimeout bounds a whole lab run.
	labTimeout = 3 * time.Minute
)

// labOptions are the flags of `cogito-lab lab`.
type labOptions struct {
	edge      string
	scenarios string
	keep      string
	sipp      string
	duration  time.Duration
	noSIPp    bool
	noCloud   bool
}

// runLab is `cogito-lab lab`: the whole system end to end on loopback.
func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lab", stderr)
	var o labOptions
	fs.StringVar(&o.edge, "edge", "bin/cogito-edge", "the cogito-edge binary to run")
	fs.StringVar(&o.scenarios, "scenarios", "", "directory of the SIPp scenarios (default: the copies built into cogito-lab)")
	fs.StringVar(&o.keep, "keep", "", "keep every artefact (config, logs, pcaps, traces, recordings) in this directory")
	fs.StringVar(&o.sipp, "sipp", "sipp", "the SIPp binary")
	fs.DurationVar(&o.duration, "duration", 4*time.Second, "audio per leg of each call")
	fs.BoolVar(&o.noSIPp, "no-sipp", false, "skip the SIPp calls (callgen only)")
	fs.BoolVar(&o.noCloud, "no-cloud", false, "skip the cloud path (simulated cloud, tunnel, AudioHook)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab lab [flags]

Proves the whole system on loopback: starts the appliance binary on free ports,
places an inbound SIPp call (TCP, UCID), an outbound SIPp call (UDP, x-inin-cnv)
and an SRTP callgen call, activates each with a CTI start on the admin API,
then checks every recording (channel 0 customer 440 Hz, channel 1 agent
1000 Hz, duration, no early 2600 Hz) and the appliance's metrics.

Then the cloud path, with no admin-API shortcut and nothing injected by hand:
Genesys Cloud and the Cogito cloud simulated in this process (the cloud's CTI
tracker following the Genesys agents; WireGuard peer, control channel, AudioHook
ingest) and a second appliance with cti.source cloud and sink both; an inbound
SIPp call (UCID), an outbound SIPp call (x-inin-cnv) and a Genesys AudioHook
call (paused until matched), each activated by the Genesys call placed with its
keys, whose start the tracker sends through the tunnel; each recorded locally
and relayed to the cloud's ingest, whose recordings are checked against the
local ones; then a short report of each call. Exits 1 when a check fails. SIPp
needs root (raw socket for play_pcap_audio).

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "lab", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if o.duration < time.Second || o.duration > 5*time.Minute {
		return usageErr(stderr, "lab", fmt.Errorf("--duration %v: want 1s to 5m", o.duration))
	}
	ctx, cancel := context.WithTimeout(ctx, labTimeout+o.duration*3)
	defer cancel()
	res, err := runLabCalls(ctx, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab lab: %v\n", err)
		return exitRuntime
	}
	if !res.ok() {
		return exitFailed
	}
	return exitOK
}

// labResult is the outcome of a lab run, for tests.
type labResult struct {
	dir     string
	calls   []*labCall
	global  []check
	cloud   []check // the cloud path's checks as a whole
	skipped []string
}

func (r *labResult) ok() bool {
	for _, c := range r.calls {
		if !c.ok() {
			return false
		}
	}
	return allOK(r.global) && allOK(r.cloud)
}

// runLabCalls runs the lab and prints the report to w. The error is for a
// lab that could not run at all (no appliance); failed checks are in the
// result.
func runLabCalls(ctx context.Context, o labOptions, w io.Writer) (*labResult, error) {
	res := &labResult{}
	dir, temp, err := artefactDir(o.keep, "cogito-lab-")
	if err != nil {
		return nil, err
	}
	res.dir = dir
	defer func() {
		if temp && res.ok() {
			os.RemoveAll(dir)
		}
	}()
	started := time.Now()
	fmt.Fprintf(w, "cogito-lab lab: the whole system on loopback (artefacts in %s)\n\n", dir)
	// callgen's SIP stack logs through slog's default logger: into a file.
	logf, err := os.Create(filepath.Join(dir, "lab.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logf, nil)))
	defer slog.SetDefault(prev)

	edge, err := edgeproc.Start(ctx, edgeproc.Options{Binary: o.edge, Dir: filepath.Join(dir, "edge"), MaxSessions: 20, DrainTimeout: 5 * time.Second})
	if err != nil {
		return res, fmt.Errorf("start the appliance: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			edge.Stop()
		}
	}()
	cfg := edge.Config()
	fmt.Fprintf(w, "appliance  %s (pid %d), ready in %v\n", o.edge, edge.PID(), time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(w, "  SIP %s udp+tcp, media %v:%d-%d, admin %s\n", edge.SIPAddr(), cfg.MediaIP, cfg.MediaPorts[0], cfg.MediaPorts[1], edge.AdminURL())
	fmt.Fprintf(w, "  config %s\n  log    %s\n  recordings %s\n", edge.ConfigPath(), edge.LogPath(), edge.RecordingDir())

	l := &lab{o: o, edge: edge, dir: dir, w: w}
	sippWhy := l.sippAvailable()
	if sippWhy == "" {
		if err := l.prepareSIPp(); err != nil {
			return res, err
		}
	} else {
		res.skipped = append(res.skipped, "SIPp calls: "+sippWhy)
		fmt.Fprintf(w, "\nSKIP the SIPp calls: %s\n", sippWhy)
	}
	plans := []struct {
		run  func(context.Context, *labCall)
		call *labCall
		sipp bool
	}{
		{l.runSIPpInbound, newLabCall("SIPp oracle_inbound.xml over TCP, UCID + UUI, early media 2600 Hz", cti.Inbound, o.duration), true},
		{l.runSIPpOutbound, newLabCall("SIPp oracle_outbound.xml over UDP, x-inin-cnv, early media 2600 Hz", cti.Outbound, o.duration), true},
		{l.runCallgen, newLabCall("callgen SIPREC over TCP, SRTP AES_CM_128_HMAC_SHA1_80, CTI from OnAnswered", cti.Inbound, o.duration), false},
	}
	for i, p := range plans {
		if p.sipp && sippWhy != "" {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		c := p.call
		c.n = i + 1
		c.dir = filepath.Join(dir, fmt.Sprintf("call%d", c.n))
		if err := os.MkdirAll(c.dir, 0o755); err != nil {
			return res, err
		}
		t0 := time.Now()
		p.run(ctx, c)
		c.elapsed = time.Since(t0)
		l.verify(ctx, c)
		res.calls = append(res.calls, c)
		printCall(w, c)
	}

	res.global = l.checkAppliance(ctx, res.calls)
	stopAt := time.Now()
	err = edge.Stop()
	stopped = true
	res.global = append(res.global, check{"appliance stops cleanly on SIGTERM", err == nil,
		fmt.Sprintf("exit status 0 after %v", time.Since(stopAt).Round(time.Millisecond))})
	if err != nil {
		res.global[len(res.global)-1].detail = err.Error()
	}
	printChecks(w, "appliance", res.global)
	if o.noCloud {
		res.skipped = append(res.skipped, "the cloud path: --no-cloud")
	} else if ctx.Err() == nil {
		calls, cs := runCloudPart(ctx, l, sippWhy, len(plans)+1)
		res.calls, res.cloud = append(res.calls, calls...), cs
	}
	printSummary(w, res, time.Since(started))
	switch {
	case temp && !res.ok():
		fmt.Fprintf(w, "artefacts kept for inspection in %s\n", dir)
	case temp:
		fmt.Fprintf(w, "artefacts (recordings, ingested recordings, logs) removed with %s: --keep DIR keeps them\n", dir)
	}
	return res, nil
}

// artefactDir returns keep (created) or a new temporary directory.
func artefactDir(keep, pattern string) (dir string, temp bool, err error) {
	if keep != "" {
		if err := os.MkdirAll(keep, 0o755); err != nil {
			return "", false, err
		}
		abs, err := filepath.Abs(keep)
		return abs, false, err
	}
	dir, err = os.MkdirTemp("", pattern+"*")
	return dir, true, err
}

// lab is one run's shared state.
type lab struct {
	o         labOptions
	edge      *edgeproc.Edge
	dir       string
	w         io.Writer
	scenarios string // directory holding the scenario files
	// inject delivers call c's CTI start; nil posts it to the appliance's
	// admin API. The cloud path places the call in the Genesys simulator
	// instead, whose tracker in the cloud sends the start.
	inject func(context.Context, *labCall, cti.Event) (edgeproc.CTIResult, error)
}

// postCTI delivers call c's CTI start the way this lab's appliance takes
// them.
func (l *lab) postCTI(ctx context.Context, c *labCall, ev cti.Event) (edgeproc.CTIResult, error) {
	if l.inject != nil {
		return l.inject(ctx, c, ev)
	}
	return l.edge.CTI(ctx, ev)
}

// sippAvailable returns why SIPp calls cannot run, or "".
func (l *lab) sippAvailable() string {
	if l.o.noSIPp {
		return "--no-sipp"
	}
	if _, err := exec.LookPath(l.o.sipp); err != nil {
		return fmt.Sprintf("%s is not installed (Debian: apt-get install sip-tester, or make deps)", l.o.sipp)
	}
	if !canRawSocket() {
		return "not root: SIPp's play_pcap_audio needs a raw socket (root or CAP_NET_RAW); run make lab as root"
	}
	return ""
}

// labCall is one call of the lab and what was observed of it.
type labCall struct {
	n         int
	title     string
	dir       string
	direction cti.Direction
	agentID   string
	sent      time.Duration // audio per leg
	early     int           // early packets per leg, sent while pending
	tones     [2]float64    // expected on channel 0 (customer) and 1 (agent)

	keys      []string            // as printed: ucid=…, uui=…
	key       string              // canonical key the appliance lists
	sentPkts  map[string]uint64   // packets sent per channel (external, internal)
	session   string              // appliance session id
	pendingIn time.Duration       // from the INVITE to being listed pending
	drops     uint64              // datagrams dropped "inactive" while pending
	ctiAt     time.Time           // when the CTI start was posted (or the Genesys call placed)
	ctiVia    string              // what ctiAt is: "the POST" unless set
	genesys   *genesysCall        // the call in the Genesys simulator (the cloud path)
	cti       edgeproc.CTIResult  // the appliance's answer
	sbcActive time.Time           // when the SBC saw the activation (callgen)
	rec       edgeproc.Recording  // the closed recording
	analysis  tone.Report         // of its WAV
	hook      *ahlab.PlayerReport // the Genesys client's (AudioHook calls)
	ingest    *labIngest          // what the cloud got (the cloud path)
	elapsed   time.Duration       // the call's wall time in the lab
	errs      []string            // the tools' failures
	checks    []check             // verify's verdicts
	files     map[string]string   // artefacts worth naming
}

func newLabCall(title string, dir cti.Direction, sent time.Duration) *labCall {
	return &labCall{
		title:     title,
		direction: dir,
		sent:      sent,
		tones:     [2]float64{customerTone, agentTone},
		sentPkts:  map[string]uint64{},
		files:     map[string]string{},
	}
}

func (c *labCall) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *labCall) ok() bool { return len(c.errs) == 0 && allOK(c.checks) }

// check is one verdict of the report.
type check struct {
	name   string
	ok     bool
	detail string
}

func allOK(cs []check) bool {
	for _, c := range cs {
		if !c.ok {
			return false
		}
	}
	return true
}
