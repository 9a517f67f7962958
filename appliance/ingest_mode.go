package appliance

import (
	"context"
	"fmt"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/ingest"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// buildIngest builds the AudioHook server mode when audiohook.listen is set.
func (a *Appliance) buildIngest(store relay.Store) error {
	cfg := a.cfg.AudioHook
	if cfg.Listen == "" {
		return nil
	}
	creds, err := audiohook.LoadCredentials(cfg.CredentialsFile)
	if err != nil {
		return fmt.Errorf("audiohook.credentials_file: %w", err)
	}
	icfg := ingest.Config{
		Listen:          cfg.Listen,
		Credentials:     creds,
		PublicAuthority: cfg.PublicAuthority,
	}
	if cfg.TLS.CertFile != "" {
		if icfg.TLS, err = loadTLS(cfg.TLS.CertFile, cfg.TLS.KeyFile); err != nil {
			return fmt.Errorf("audiohook.tls: %w", err)
		}
	}
	a.creds = creds
	a.ingest, err = ingest.New(icfg, ingest.Deps{
		Log:      a.log,
		Metrics:  ingest.NewMetrics(a.reg),
		Protocol: a.audiohookMetrics(),
		Gate:     a.gate,
		Store:    store,
	})
	return err
}

// audiohookMetrics is the one audiohook.Metrics of the appliance: the
// server mode and the cloud sink share it (registering twice panics).
func (a *Appliance) audiohookMetrics() *audiohook.Metrics {
	if a.ahm == nil {
		a.ahm = audiohook.NewMetrics(a.reg)
	}
	return a.ahm
}

// reloadCredentials re-reads audiohook.credentials_file (SIGHUP); a bad
// file keeps the running set.
func (a *Appliance) reloadCredentials() error {
	if a.creds == nil {
		return nil
	}
	if err := a.creds.Reload(); err != nil {
		return fmt.Errorf("audiohook.credentials_file: %w", err)
	}
	a.log.Info("reloaded AudioHook credentials", "keys", a.creds.Len())
	return nil
}

// IngestAddr returns the bound AudioHook address, or "" when it is off.
func (a *Appliance) IngestAddr() string {
	if a.ingest == nil || a.ingest.Addr() == nil {
		return ""
	}
	return a.ingest.Addr().String()
}

func (a *Appliance) closeIngest(ctx context.Context) error {
	if a.ingest == nil {
		return nil
	}
	return a.ingest.Close(ctx)
}
