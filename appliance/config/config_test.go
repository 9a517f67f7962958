package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if err := c.CheckFiles(); err != nil {
		t.Fatalf("defaults name files: %v", err)
	}
	checks := map[string]struct{ got, want any }{
		"sip.listen":           {c.SIP.Listen, []string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"}},
		"sip.max_sessions":     {c.SIP.MaxSessions, 2000},
		"media.address":        {c.Media.Address, "127.0.0.1"},
		"media.ports":          {c.Media.Ports, "20000-20999"},
		"media.srtp":           {c.Media.SRTP, "allow"},
		"cti.source":           {c.CTI.Source, "api"},
		"admin.listen":         {c.Admin.Listen, "127.0.0.1:9090"},
		"sink":                 {c.Sink, "local"},
		"recording.dir":        {c.Recording.Dir, "./recordings"},
		"gate.match_timeout":   {c.Gate.MatchTimeout, 60 * time.Second},
		"gate.on_timeout":      {c.Gate.OnTimeout, "keep_inactive"},
		"gate.early_event_ttl": {c.Gate.EarlyEventTTL, 30 * time.Second},
		"gate.end_grace":       {c.Gate.EndGrace, 10 * time.Second},
		"gate.hold":            {c.Gate.Hold, "pause"},
		"log":                  {c.Log, Log{Level: "info", Format: "json"}},
		"drain_timeout":        {c.DrainTimeout, 30 * time.Second},
		"cloud.tunnel.mtu":     {c.Cloud.Tunnel.MTU, 1280},
		"peer.keepalive":       {c.Cloud.Tunnel.Peer.Keepalive, 25 * time.Second},
		"relay.frame":          {c.Cloud.Relay.Frame, 100 * time.Millisecond},
		"relay.buffer":         {c.Cloud.Relay.Buffer, 30 * time.Second},
	}
	for key, tt := range checks {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", key, tt.got, tt.want)
		}
	}
	// Default returns a fresh value each time: no shared state.
	Default().SIP.Listen[0] = "changed"
	if Default().SIP.Listen[0] != "udp:127.0.0.1:5060" {
		t.Fatal("Default shares its slices")
	}
}

func TestNoFileIsDefaults(t *testing.T) {
	want := flatten(Default())
	for name, data := range map[string]string{
		"load no path":  "",
		"empty":         "",
		"only comments": "# nothing here\n\n",
		"null":          "~\n",
		"empty section": "sip:\nmedia: {}\n",
	} {
		t.Run(name, func(t *testing.T) {
			var c *Config
			var err error
			if name == "load no path" {
				c, err = Load("")
			} else {
				c, err = Parse("edge.yaml", []byte(data))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := flatten(c); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v, want defaults", got)
			}
		})
	}
}

func TestOverrideKeepsOtherDefaults(t *testing.T) {
	c, err := Parse("edge.yaml", []byte("media:\n  ports: \"30000-30099\"\ngate: {hold: inactive}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Media.Ports != "30000-30099" || c.Gate.Hold != HoldInactive {
		t.Fatalf("overrides not applied: %+v %+v", c.Media, c.Gate)
	}
	if c.Media.Address != "127.0.0.1" || c.Gate.MatchTimeout != time.Minute || c.SIP.MaxSessions != 2000 {
		t.Fatalf("defaults lost: %+v %+v", c.Media, c.Gate)
	}
	// A list replaces the default list, it does not append to it.
	c, err = Parse("edge.yaml", []byte(`sip: {listen: ["tcp:127.0.0.1:5070"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.SIP.Listen, []string{"tcp:127.0.0.1:5070"}) {
		t.Fatalf("listen = %v", c.SIP.Listen)
	}
}

// The DESIGN §3 example, verbatim, parses; its only problem is the "..."
// placeholder where a WireGuard public key belongs.
func TestDesignExample(t *testing.T) {
	_, err := Load("testdata/design_example.yaml")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want the placeholder public key", err)
	}
	if got := strings.Split(err.Error(), "\n"); len(got) != 1 || e.Key != "cloud.tunnel.peer.public_key" || e.Line != 24 {
		t.Fatalf("err = %v, want only cloud.tunnel.peer.public_key at line 24", err)
	}
}

// writeExample writes testdata/edge.yaml with its /etc/cogito-edge/ files
// created in a temporary directory, secrets private.
func writeExample(t *testing.T) (path, dir string) {
	t.Helper()
	dir = t.TempDir()
	data, err := os.ReadFile("testdata/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]os.FileMode{
		"sip.crt": 0o644, "sip.key": 0o600, "genesys.secret": 0o600, "wg.key": 0o600,
		"relay.secret": 0o400, "audiohook.crt": 0o644, "audiohook.key": 0o600, "audiohook.yaml": 0o600,
	}
	for name, mode := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	path = filepath.Join(dir, "edge.yaml")
	data = []byte(strings.ReplaceAll(string(data), "/etc/cogito-edge/", dir+"/"))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

func TestExampleWithFiles(t *testing.T) {
	path, dir := writeExample(t)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckFiles(); err != nil {
		t.Fatal(err)
	}
	if c.Gate.EndGrace != 5*time.Second || c.Cloud.Relay.Frame != 200*time.Millisecond || c.DrainTimeout != 2*time.Minute {
		t.Fatalf("durations: %+v %+v %v", c.Gate, c.Cloud.Relay, c.DrainTimeout)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Fatalf("warnings: %q", w)
	}

	secret := filepath.Join(dir, "wg.key")
	if err := os.Chmod(secret, 0o640); err != nil {
		t.Fatal(err)
	}
	err = c.CheckFiles()
	if !errors.Is(err, ErrFileMode) || !strings.Contains(err.Error(), ":30: cloud.tunnel.private_key_file: ") {
		t.Fatalf("group-readable key: err = %v", err)
	}
	// A certificate is public: 0644 is fine, a missing one is not.
	if err := os.Remove(filepath.Join(dir, "sip.crt")); err != nil {
		t.Fatal(err)
	}
	err = c.CheckFiles()
	if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), ":6: sip.tls.cert_file: ") {
		t.Fatalf("missing cert: err = %v", err)
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 2 {
		t.Fatalf("want both problems, got %d: %v", n, err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sip.crt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckFiles(); !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: err = %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		path string
		want error
	}{
		"missing":  {filepath.Join(dir, "nope.yaml"), os.ErrNotExist},
		"too big":  {big, ErrSyntax},
		"a folder": {dir, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(tt.path)
			if err == nil || !strings.HasPrefix(err.Error(), "config: ") && !strings.HasPrefix(err.Error(), tt.path) {
				t.Fatalf("err = %v", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
