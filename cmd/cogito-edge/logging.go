package main

import (
	"io"
	"log/slog"

	"github.com/cogito/cogito-edge/appliance/config"
)

// newLogger builds the daemon's logger from log.format and log.level. The
// level is a LevelVar so that SIGHUP can change it without rebuilding the
// logger every component already holds.
func newLogger(w io.Writer, cfg *config.Config) (*slog.Logger, *slog.LevelVar) {
	level := new(slog.LevelVar)
	level.Set(cfg.Log.SlogLevel())
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if cfg.Log.Format == "text" {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h).With("appliance", cfg.ID()), level
}
