package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cogito/cogito-edge/appliance"
	"github.com/cogito/cogito-edge/appliance/config"
)

const runAbout = `
Runs the appliance until SIGINT or SIGTERM; SIGTERM drains live calls first
(bounded by drain_timeout). SIGHUP re-reads the config file and applies what
can change live (sip.allow, log.level, audiohook.credentials_file, gate
timers); other changed keys are logged and wait for a restart.

With no --config the appliance is a working lab recorder on loopback: SIP
UDP+TCP 127.0.0.1:5060, media 127.0.0.1:20000-20999, CTI events on the admin
API 127.0.0.1:9090, recordings in ./recordings.

Logs are JSON (or text, log.format) on stderr, which systemd sends to the
journal.

Exit codes:
  0  stopped by SIGINT or SIGTERM, after the drain
  1  runtime failure: a socket cannot be bound, a part failed
  2  bad flag, or a config that does not load, validate or pass the file
     checks (the Go runtime also exits 2 when it panics)`

// cmdRun is "cogito-edge run".
func cmdRun(ctx context.Context, args []string, s streams) int {
	fs := newFlags("run", "[--config F]", runAbout)
	path := fs.String("config", "", "config `file` (default: none, the loopback lab recorder)")
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	cfg, err := loadChecked(*path)
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge run: %v\n", err)
		return exitUsage
	}
	log, level := newLogger(s.err, cfg)
	// Libraries that log through slog's default (sipgo's transport layer)
	// then write the same JSON to the journal.
	slog.SetDefault(log)
	for _, w := range cfg.Warnings() {
		log.Warn("config warning", "warning", w)
	}
	v := buildVersion()
	log.Info("starting", "version", v.version, "commit", v.commit, "config", orDefaults(*path), "summary", cfg.Summary())

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := appliance.New(cfg, appliance.WithLogger(log), appliance.WithVersion(v.version))
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailure
	}
	r := &reloader{path: *path, cur: cfg, level: level, log: log, apply: liveReload(app)}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go r.watch(ctx, hup)

	err = app.Run(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("stopped", "err", err)
		return exitFailure
	}
	log.Info("stopped")
	return exitOK
}

// loadChecked loads path ("" for the defaults), validates it and checks the
// files it names: everything the daemon needs before it binds anything.
func loadChecked(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckFiles(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func orDefaults(path string) string {
	if path == "" {
		return "(none: defaults)"
	}
	return path
}
