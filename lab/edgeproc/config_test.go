package edgeproc

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
)

func TestConfigYAML(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	base := Config{
		ApplianceID:  "lab-1",
		SIP:          netip.AddrPortFrom(ip, 25060),
		Admin:        netip.AddrPortFrom(ip, 29090),
		MediaIP:      ip,
		MediaPorts:   [2]int{31000, 31415},
		MaxSessions:  100,
		RecordingDir: "/tmp/rec dir",
		LogLevel:     "debug",
		DrainTimeout: 3 * time.Second,
	}
	tests := map[string]struct {
		mut   func(*Config)
		check func(*testing.T, *config.Config)
		bad   bool
	}{
		"defaults of the lab": {check: func(t *testing.T, c *config.Config) {
			l, err := c.SIP.Listeners()
			if err != nil || len(l) != 2 || l[0].String() != "udp:127.0.0.1:25060" || l[1].String() != "tcp:127.0.0.1:25060" {
				t.Errorf("listeners %v %v", l, err)
			}
			pr, err := c.Media.PortRange()
			if err != nil || pr.Min != 31000 || pr.Max != 31415 || c.Media.Address != "127.0.0.1" {
				t.Errorf("media %+v %v", c.Media, err)
			}
			if c.Admin.Listen != "127.0.0.1:29090" || c.Recording.Dir != "/tmp/rec dir" || c.Log.Level != "debug" || c.Log.Format != "json" {
				t.Errorf("admin %q recording %q log %+v", c.Admin.Listen, c.Recording.Dir, c.Log)
			}
			if c.CTI.Source != "api" || c.Sink != "local" || c.SIP.MaxSessions != 100 || c.DrainTimeout != 3*time.Second || c.ApplianceID != "lab-1" {
				t.Errorf("cti %q sink %q max %d drain %v id %q", c.CTI.Source, c.Sink, c.SIP.MaxSessions, c.DrainTimeout, c.ApplianceID)
			}
		}},
		"srtp require": {mut: func(c *Config) { c.SRTP = "require" }, check: func(t *testing.T, c *config.Config) {
			if c.Media.SRTP != "require" {
				t.Errorf("srtp %q", c.Media.SRTP)
			}
		}},
		"extra yaml": {mut: func(c *Config) { c.ExtraYAML = "gate: {match_timeout: 90s}\n" }, check: func(t *testing.T, c *config.Config) {
			if c.Gate.MatchTimeout != 90*time.Second {
				t.Errorf("match_timeout %v", c.Gate.MatchTimeout)
			}
		}},
		"zero max sessions keeps the default": {mut: func(c *Config) { c.MaxSessions = 0 }, check: func(t *testing.T, c *config.Config) {
			if c.SIP.MaxSessions != config.Default().SIP.MaxSessions {
				t.Errorf("max %d", c.SIP.MaxSessions)
			}
		}},
		"cloud source and sink": {mut: func(c *Config) {
			c.CTISource, c.Sink = "cloud", "both"
			c.ExtraYAML = "cloud:\n  tunnel: {private_key_file: /k, address: 10.99.0.2/32, peer: {public_key: " +
				"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\", endpoint: \"127.0.0.1:51820\"}}\n" +
				"  control_url: ws://10.99.0.1:7000/v1/edge\n" +
				"  relay: {url: ws://10.99.0.1:7001/audiohook, api_key: k, client_secret_file: /s}\n"
		}, check: func(t *testing.T, c *config.Config) {
			if c.CTI.Source != "cloud" || c.Sink != "both" || c.Cloud.Relay.URL != "ws://10.99.0.1:7001/audiohook" {
				t.Errorf("cti %q sink %q relay %+v", c.CTI.Source, c.Sink, c.Cloud.Relay)
			}
		}},
		"genesys direct mode": {mut: func(c *Config) {
			c.CTISource = "genesys,api"
			c.Genesys = &Genesys{Region: "usw2", BaseURL: "http://127.0.0.1:8081", ClientID: "lab", ClientSecretFile: "/s", UUIAttribute: "X-UUI"}
		}, check: func(t *testing.T, c *config.Config) {
			want := config.Genesys{Region: "usw2", BaseURL: "http://127.0.0.1:8081", ClientID: "lab", ClientSecretFile: "/s", UUIAttribute: "X-UUI"}
			if c.CTI.Source != "genesys,api" || c.CTI.Genesys != want {
				t.Errorf("cti %q genesys %+v", c.CTI.Source, c.CTI.Genesys)
			}
		}},
		"no sip":          {mut: func(c *Config) { c.SIP = netip.AddrPort{} }, bad: true},
		"inverted ports":  {mut: func(c *Config) { c.MediaPorts = [2]int{31000, 30000} }, bad: true},
		"no recording":    {mut: func(c *Config) { c.RecordingDir = "" }, bad: true},
		"no admin":        {mut: func(c *Config) { c.Admin = netip.AddrPort{} }, bad: true},
		"no media ip":     {mut: func(c *Config) { c.MediaIP = netip.Addr{} }, bad: true},
		"zero first port": {mut: func(c *Config) { c.MediaPorts = [2]int{0, 100} }, bad: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := base
			if tt.mut != nil {
				tt.mut(&c)
			}
			data, err := c.YAML()
			if tt.bad {
				if err == nil {
					t.Fatalf("want an error, got:\n%s", data)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The appliance's own parser is the judge: unknown keys are errors.
			parsed, err := config.Parse("edge.yaml", data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			tt.check(t, parsed)
		})
	}
}

func TestConfigWriteFile(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	path := filepath.Join(t.TempDir(), "edge.yaml")
	c := Config{SIP: netip.AddrPortFrom(ip, 5070), Admin: netip.AddrPortFrom(ip, 9190), MediaIP: ip, MediaPorts: [2]int{30000, 30099}, RecordingDir: "rec"}
	if err := c.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat %v %v", st, err)
	}
	if _, err := config.Load(path); err != nil {
		t.Fatal(err)
	}
	if err := (Config{}).WriteFile(path); err == nil {
		t.Fatal("an empty config must not be written")
	}
}

func TestPickConfig(t *testing.T) {
	o, err := Options{Binary: "x", MaxSessions: 50}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	c, err := pickConfig(o, "/r")
	if err != nil {
		t.Fatal(err)
	}
	n := c.MediaPorts[1] - c.MediaPorts[0] + 1
	if c.SIP == c.Admin || c.MediaPorts[0]%2 != 0 || n < 4*50 || c.RecordingDir != "/r" || c.ApplianceID != "edgeproc" {
		t.Fatalf("config %+v", c)
	}
	data, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := config.Parse("edge.yaml", data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if w := parsed.Warnings(); len(w) > 0 {
		// The media range is sized for max_sessions: no capacity warning.
		t.Fatalf("warnings: %v\n%s", w, data)
	}
	if !strings.Contains(string(data), "max_sessions: 50") {
		t.Fatalf("config:\n%s", data)
	}
}

func TestOptionsDefaults(t *testing.T) {
	if _, err := (Options{}).withDefaults(); err == nil {
		t.Fatal("no binary must be an error")
	}
	o, err := Options{Binary: "b", DrainTimeout: 2 * time.Second}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.IP.String() != "127.0.0.1" || o.MaxSessions != 100 || o.LogLevel != "info" || o.StopTimeout != 12*time.Second || o.ReadyTimeout != 20*time.Second {
		t.Fatalf("%+v", o)
	}
}
