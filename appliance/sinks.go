package appliance

import (
	"fmt"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// buildSinks picks where recordings go (sink: local | cloud | both). The
// cloud sink streams AudioHook to cloud.relay.url through the tunnel.
func (a *Appliance) buildSinks() (relay.Store, error) {
	local := relay.LocalStoreAdapter{LocalStore: a.store}
	cfg := a.cfg
	if cfg.Sink != config.SinkCloud && cfg.Sink != config.SinkBoth {
		return local, nil
	}
	if a.cloud == nil || a.cloud.tun == nil {
		return nil, fmt.Errorf("sink %s: no cloud tunnel", cfg.Sink)
	}
	secret, err := relay.ReadCloudSecret(cfg.Cloud.Relay.ClientSecretFile)
	if err != nil {
		return nil, fmt.Errorf("cloud.relay.client_secret_file: %w", err)
	}
	a.relay, err = relay.NewCloud(relay.CloudConfig{
		URL:         cfg.Cloud.Relay.URL,
		APIKey:      cfg.Cloud.Relay.APIKey,
		Secret:      secret,
		ApplianceID: cfg.ID(),
		Frame:       cfg.Cloud.Relay.Frame,
		Buffer:      cfg.Cloud.Relay.Buffer,
		DialContext: a.cloud.tun.DialContext,
		AudioHook:   a.audiohookMetrics(),
	}, a.log, relay.NewCloudMetrics(a.reg))
	if err != nil {
		return nil, fmt.Errorf("cloud.relay: %w", err)
	}
	if cfg.Sink == config.SinkCloud {
		return a.relay, nil
	}
	return relay.NewBoth(a.store, a.relay), nil
}
