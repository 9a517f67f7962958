package config

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestReloadable(t *testing.T) {
	tests := map[string]struct {
		change  func(c *Config)
		live    []string
		restart []string
	}{
		"nothing":    {func(c *Config) {}, nil, nil},
		"allow":      {func(c *Config) { c.SIP.Allow = []string{"10.0.0.0/8"} }, []string{"sip.allow"}, nil},
		"log level":  {func(c *Config) { c.Log.Level = "debug" }, []string{"log.level"}, nil},
		"log format": {func(c *Config) { c.Log.Format = "text" }, nil, []string{"log.format"}},
		"timers": {func(c *Config) {
			c.Gate.MatchTimeout = time.Minute * 2
			c.Gate.EarlyEventTTL = time.Second
			c.Gate.EndGrace = 0
		}, []string{"gate.early_event_ttl", "gate.end_grace", "gate.match_timeout"}, nil},
		"credentials": {func(c *Config) { c.AudioHook.CredentialsFile = "/x" }, []string{"audiohook.credentials_file"}, nil},
		"mixed": {func(c *Config) {
			c.SIP.Allow = []string{"10.0.0.0/8"}
			c.SIP.Listen = []string{"udp:127.0.0.1:5070"}
			c.Media.Ports = "30000-30999"
			c.Cloud.Tunnel.Peer.Keepalive = 0
		}, []string{"sip.allow"}, []string{"cloud.tunnel.peer.keepalive", "media.ports", "sip.listen"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			old, next := Default(), Default()
			tt.change(next)
			ch := Reloadable(old, next)
			if !slices.Equal(ch.Live, tt.live) || !slices.Equal(ch.Restart, tt.restart) {
				t.Fatalf("got %+v, want live %v restart %v", ch, tt.live, tt.restart)
			}
			if ch.NeedsRestart() != (len(tt.restart) > 0) || ch.Empty() != (name == "nothing") {
				t.Fatalf("NeedsRestart/Empty wrong for %+v", ch)
			}
			// ApplyLive takes exactly the live keys: afterwards nothing
			// live differs from next, and old is untouched.
			merged := ApplyLive(old, next)
			if after := Reloadable(merged, next); len(after.Live) != 0 || !slices.Equal(after.Restart, tt.restart) {
				t.Fatalf("after ApplyLive: %+v", after)
			}
			if !reflect.DeepEqual(flatten(old), flatten(Default())) {
				t.Fatal("ApplyLive changed old")
			}
		})
	}
}

// Every live key names a key of the schema, so a rename cannot silently
// turn a live key into a restart.
func TestLiveKeysExist(t *testing.T) {
	keys := flatten(Default())
	for _, k := range liveKeys() {
		if _, ok := keys[k]; !ok {
			t.Errorf("live key %q is not in the schema", k)
		}
	}
}
