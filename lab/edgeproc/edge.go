package edgeproc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configures Start. Only Binary is required.
type Options struct {
	// Binary is the cogito-edge executable (a path, or a name on PATH).
	Binary string
	// Dir holds the config, the log and (by default) the recordings.
	// Empty creates a temporary directory that Stop removes.
	Dir string
	// RecordingDir is recording.dir; default Dir/recordings.
	RecordingDir string
	// IP is the loopback address everything binds; default 127.0.0.1.
	IP netip.Addr
	// ApplianceID is appliance_id; default "edgeproc".
	ApplianceID string
	// MaxSessions is sip.max_sessions; the media range is sized for it.
	// Default 100.
	MaxSessions int
	// SRTP is media.srtp (allow, require, off); empty keeps the default.
	SRTP string
	// CTISource is cti.source, default api; Sink is sink, default local.
	// With cloud in either, ExtraYAML carries the cloud section, and Start
	// waits for /readyz, which needs the tunnel and the control channel
	// up: start the cloud first.
	CTISource string
	Sink      string
	// Genesys is cti.genesys, for CTISource genesys (direct mode); Start
	// then waits for the tracker's /readyz check: start the Genesys
	// simulator first.
	Genesys *Genesys
	// LogLevel is log.level; default info.
	LogLevel string
	// DrainTimeout is drain_timeout, how long SIGTERM lets live calls
	// finish; default 5s.
	DrainTimeout time.Duration
	// ExtraYAML is appended to the config file (see Config.ExtraYAML).
	ExtraYAML string
	// ReadyTimeout bounds the wait for /readyz; default 20s.
	ReadyTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL;
	// default DrainTimeout + 10s.
	StopTimeout time.Duration
	// Env is added to the process environment.
	Env []string
}

func (o Options) withDefaults() (Options, error) {
	if o.Binary == "" {
		return o, errors.New("edgeproc: no binary")
	}
	if !o.IP.IsValid() {
		o.IP = netip.MustParseAddr("127.0.0.1")
	}
	if o.ApplianceID == "" {
		o.ApplianceID = "edgeproc"
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 100
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 5 * time.Second
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 20 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = o.DrainTimeout + 10*time.Second
	}
	return o, nil
}

// startAttempts is how often Start picks new ports when the appliance
// could not bind the ones it probed (another program took one meanwhile).
const startAttempts = 3

// Edge is one running cogito-edge process.
type Edge struct {
	opts    Options
	cfg     Config
	dir     string
	ownDir  bool
	cfgPath string
	logPath string
	base    string // admin API base URL
	httpc   *http.Client

	cmd     *exec.Cmd
	logf    *os.File
	exited  chan struct{} // closed when the process has been reaped
	waitErr error         // cmd.Wait's result, set before exited closes

	stopOnce sync.Once
	stopErr  error
}

// Start writes a config on free ports, starts `cogito-edge run --config F`
// with stdout and stderr appended to Dir/edge.log, and returns once
// /readyz answers 200. On failure the process is killed and the error
// carries the end of its log. ctx bounds the start only, not the process.
func Start(ctx context.Context, o Options) (*Edge, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	bin, err := exec.LookPath(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("edgeproc: binary: %w", err)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, fmt.Errorf("edgeproc: binary: %w", err)
	}
	o.Binary = bin
	dir, ownDir := o.Dir, false
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cogito-edge-*"); err != nil {
			return nil, fmt.Errorf("edgeproc: %w", err)
		}
		ownDir = true
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("edgeproc: %w", err)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("edgeproc: %w", err)
	}
	recDir := o.RecordingDir
	if recDir == "" {
		recDir = filepath.Join(dir, "recordings")
	}
	if recDir, err = filepath.Abs(recDir); err != nil {
		return nil, fmt.Errorf("edgeproc: %w", err)
	}
	var last error
	for range startAttempts {
		e, err := start(ctx, o, dir, recDir)
		if err == nil {
			e.ownDir = ownDir
			return e, nil
		}
		last = err
		if !errors.Is(err, errBind) || ctx.Err() != nil {
			break
		}
	}
	if ownDir {
		os.RemoveAll(dir)
	}
	return nil, last
}

// errBind marks a start that failed because a probed port was taken.
var errBind = errors.New("address already in use")

// start is one attempt of Start.
func start(ctx context.Context, o Options, dir, recDir string) (*Edge, error) {
	cfg, err := pickConfig(o, recDir)
	if err != nil {
		return nil, err
	}
	e := &Edge{
		opts:    o,
		cfg:     cfg,
		dir:     dir,
		cfgPath: filepath.Join(dir, "edge.yaml"),
		logPath: filepath.Join(dir, "edge.log"),
		base:    "http://" + cfg.Admin.String(),
		httpc: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true},
		},
		exited: make(chan struct{}),
	}
	if err := cfg.WriteFile(e.cfgPath); err != nil {
		return nil, err
	}
	logStart := int64(0)
	if st, err := os.Stat(e.logPath); err == nil {
		logStart = st.Size()
	}
	e.logf, err = os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("edgeproc: log: %w", err)
	}
	e.cmd = exec.Command(o.Binary, "run", "--config", e.cfgPath)
	e.cmd.Dir = dir
	e.cmd.Stdout, e.cmd.Stderr = e.logf, e.logf
	e.cmd.Env = append(os.Environ(), o.Env...)
	e.cmd.SysProcAttr = procAttr()
	if err := e.cmd.Start(); err != nil {
		e.logf.Close()
		return nil, fmt.Errorf("edgeproc: start: %w", err)
	}
	go func() {
		e.waitErr = e.cmd.Wait()
		close(e.exited)
	}()
	if err := e.waitReady(ctx); err != nil {
		e.kill()
		tail := e.logTailFrom(logStart, 20)
		if strings.Contains(tail, errBind.Error()) {
			err = fmt.Errorf("%w (%w)", err, errBind)
		}
		return nil, fmt.Errorf("%w\n--- %s:\n%s", err, e.logPath, tail)
	}
	return e, nil
}

// waitReady polls /readyz until it answers 200, the process exits or the
// ready timeout passes.
func (e *Edge) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, e.opts.ReadyTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	last := "no answer"
	for {
		ok, detail := e.ready(ctx)
		if ok {
			return nil
		}
		if detail != "" {
			last = detail
		}
		select {
		case <-e.exited:
			return fmt.Errorf("%w before it was ready: %v", ErrExited, e.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("%w after %v: %s", ErrNotReady, e.opts.ReadyTimeout, last)
		case <-tick.C:
		}
	}
}

// kill SIGKILLs the process and waits for it.
func (e *Edge) kill() {
	_ = e.cmd.Process.Kill()
	<-e.exited
	e.logf.Close()
}

// Stop sends SIGTERM, waits up to StopTimeout for the appliance to drain
// and exit, then SIGKILLs it. It returns nil when the process exited with
// status 0 on its own. A Dir that Start created is removed. Stop is
// idempotent: later calls return the first result.
func (e *Edge) Stop() error {
	e.stopOnce.Do(func() {
		select {
		case <-e.exited:
		default:
			_ = e.cmd.Process.Signal(syscall.SIGTERM)
			t := time.NewTimer(e.opts.StopTimeout)
			select {
			case <-e.exited:
				t.Stop()
			case <-t.C:
				_ = e.cmd.Process.Kill()
				<-e.exited
				e.stopErr = fmt.Errorf("edgeproc: appliance did not stop within %v of SIGTERM; killed", e.opts.StopTimeout)
			}
		}
		e.httpc.CloseIdleConnections()
		e.logf.Close()
		if e.stopErr == nil && e.waitErr != nil {
			e.stopErr = fmt.Errorf("%w: %v", ErrExited, e.waitErr)
		}
		if e.ownDir {
			os.RemoveAll(e.dir)
		}
	})
	return e.stopErr
}

// Exited is closed once the process has exited (for any reason).
func (e *Edge) Exited() <-chan struct{} { return e.exited }

// Err returns nil while the process runs, then ErrExited with its status.
func (e *Edge) Err() error {
	select {
	case <-e.exited:
		return fmt.Errorf("%w: %v", ErrExited, e.waitErr)
	default:
		return nil
	}
}

// PID returns the process id.
func (e *Edge) PID() int { return e.cmd.Process.Pid }

// Config returns what Start wrote to the config file.
func (e *Edge) Config() Config { return e.cfg }

// SIPAddr returns the SIP listener (UDP and TCP).
func (e *Edge) SIPAddr() netip.AddrPort { return e.cfg.SIP }

// AdminURL returns the admin API base URL, "http://127.0.0.1:PORT".
func (e *Edge) AdminURL() string { return e.base }

// CTIURL returns the admin API's CTI endpoint, for callgen.Config.CTIURL.
func (e *Edge) CTIURL() string { return e.base + "/v1/cti" }

// RecordingDir returns recording.dir.
func (e *Edge) RecordingDir() string { return e.cfg.RecordingDir }

// Dir returns the working directory (config, log, default recordings).
func (e *Edge) Dir() string { return e.dir }

// ConfigPath returns the config file's path.
func (e *Edge) ConfigPath() string { return e.cfgPath }

// LogPath returns the log file's path.
func (e *Edge) LogPath() string { return e.logPath }
