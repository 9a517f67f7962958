package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"github.com/cogito/cogito-edge/appliance/config"
)

// liveReloader is what an appliance that applies live changes implements.
// The appliance gets the running config with only the live keys changed
// (config.ApplyLive), never keys that need a restart.
type liveReloader interface {
	Reload(cfg *config.Config) error
}

// liveReload returns app's Reload when it has one, else nil: then a reload
// applies log.level only (the daemon owns the logger) and says so.
func liveReload(app any) func(*config.Config) error {
	if r, ok := app.(liveReloader); ok {
		return r.Reload
	}
	return nil
}

// reloader handles SIGHUP. Only its watch goroutine touches cur.
type reloader struct {
	path  string
	cur   *config.Config // the config the appliance runs with
	level *slog.LevelVar
	log   *slog.Logger
	apply func(*config.Config) error // nil: the appliance cannot reload
}

// watch reloads on every signal from hup until ctx ends.
func (r *reloader) watch(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = r.reload()
		}
	}
}

// reload re-reads the config file and applies what can change live. A file
// that does not load, validate or pass the file checks changes nothing: the
// appliance keeps running as it was.
func (r *reloader) reload() error {
	if r.path == "" {
		r.log.Info("reload: no config file, nothing to reload")
		return nil
	}
	next, err := loadChecked(r.path)
	if err != nil {
		r.log.Error("reload: config rejected, keeping the running one", "err", err)
		return err
	}
	ch := config.Reloadable(r.cur, next)
	if ch.Empty() {
		// The files the config names (AudioHook credentials, the Genesys
		// client secret) may have changed without the config: rotating a
		// secret is a reload with the same config.
		if r.apply != nil {
			if err := r.apply(r.cur); err != nil {
				r.log.Error("reload: config unchanged; the appliance refused its files, keeping the running ones", "err", err)
				return fmt.Errorf("reload: %w", err)
			}
			r.log.Info("reload: config unchanged; credential files re-read")
			return nil
		}
		r.log.Info("reload: no changes")
		return nil
	}
	merged := config.ApplyLive(r.cur, next)
	live := ch.Live
	if r.apply != nil {
		if err := r.apply(merged); err != nil {
			r.log.Error("reload: appliance refused the changes, keeping the running config", "err", err)
			return fmt.Errorf("reload: %w", err)
		}
	} else {
		// Only the log level is the daemon's own; leave everything else as
		// it runs so that the next diff is still against the truth.
		only := *r.cur
		only.Log.Level = next.Log.Level
		merged, live = &only, nil
		for _, k := range ch.Live {
			if k == "log.level" {
				live = append(live, k)
			} else {
				ch.Restart = append(ch.Restart, k)
			}
		}
		slices.Sort(ch.Restart)
	}
	r.level.Set(merged.Log.SlogLevel())
	r.cur = merged
	if len(live) > 0 {
		r.log.Info("reload: applied", "keys", live)
	}
	if len(ch.Restart) > 0 {
		r.log.Warn("reload: changed keys need a restart and keep their running values until then", "keys", ch.Restart)
	}
	return nil
}
