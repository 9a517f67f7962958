package genesys

import (
	"errors"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

func TestConfig(t *testing.T) {
	ok := func() Config {
		return Config{Region: "usw2", ClientID: "id", ClientSecret: "s", OnEvent: func(cti.Event) {}}
	}
	tests := map[string]struct {
		mod func(*Config)
		err bool
	}{
		"defaults":          {func(*Config) {}, false},
		"no secret":         {func(c *Config) { c.ClientSecret = "" }, true},
		"no handler":        {func(c *Config) { c.OnEvent = nil }, true},
		"bad region":        {func(c *Config) { c.Region = "nowhere" }, true},
		"base url wins":     {func(c *Config) { c.Region = "nowhere"; c.BaseURL = "http://127.0.0.1:1" }, false},
		"21 channels":       {func(c *Config) { c.MaxChannels = 21 }, true},
		"1001 topics":       {func(c *Config) { c.MaxTopicsPerChannel = 1001 }, true},
		"page 501":          {func(c *Config) { c.PageSize = 501 }, true},
		"negative duration": {func(c *Config) { c.HeartbeatTimeout = -time.Second }, true},
		"backoff inverted":  {func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond }, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := ok()
			tt.mod(&c)
			_, err := New(c, nil, nil)
			if tt.err != errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	c, _, err := ok().withDefaults()
	if err != nil || c.HeartbeatTimeout != 70*time.Second || c.UUIAttribute != "ASAIUUI" || c.MaxTopicsPerChannel != 1000 || c.MaxChannels != 20 {
		t.Fatalf("defaults %+v %v", c, err)
	}
	c2 := ok()
	c2.UUIAttribute = "-"
	if c2, _, _ = c2.withDefaults(); c2.UUIAttribute != "" {
		t.Fatal(`"-" should disable the attribute`)
	}
}
