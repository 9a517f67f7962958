package tunnel

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func validConfig(t testing.TB) Config {
	return Config{
		PrivateKey:    mustKey(t),
		Addresses:     []netip.Prefix{netip.MustParsePrefix("10.99.0.2/32")},
		PeerPublicKey: PublicKey(mustKey(t)),
		PeerAddress:   netip.MustParseAddr("10.99.0.1"),
		Endpoint:      "edge.cogito.example:51820",
	}
}

func TestConfigErrors(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	tests := []struct {
		name string
		edit func(c *Config)
		want string // in the message
	}{
		{"no key", func(c *Config) { c.PrivateKey = Key{} }, "no private key"},
		{"two keys", func(c *Config) { c.PrivateKeyFile = "/etc/wg.key" }, "not both"},
		{"no address", func(c *Config) { c.Addresses = nil }, "no tunnel address"},
		{"bad address", func(c *Config) { c.Addresses = []netip.Prefix{{}} }, "tunnel address"},
		{"mapped address", func(c *Config) { c.Addresses = []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.1/128")} }, "tunnel address"},
		{"small MTU", func(c *Config) { c.MTU = 500 }, "MTU 500"},
		{"IPv6 MTU", func(c *Config) {
			c.MTU = 1000
			c.Addresses = append(c.Addresses, netip.MustParsePrefix("fd00::2/128"))
		}, "needs at least 1280"},
		{"no peer key", func(c *Config) { c.PeerPublicKey = Key{} }, "no peer public key"},
		{"peer is self", func(c *Config) { c.PeerPublicKey = PublicKey(c.PrivateKey) }, "own public key"},
		{"endpoint without port", func(c *Config) { c.Endpoint = "cloud.example" }, "want host:port"},
		{"endpoint without host", func(c *Config) { c.Endpoint = ":51820" }, "want host:port"},
		{"endpoint port 0", func(c *Config) { c.Endpoint = "cloud.example:0" }, "want host:port"},
		{"endpoint port name", func(c *Config) { c.Endpoint = "cloud.example:wg" }, "want host:port"},
		{"no allowed IPs", func(c *Config) { c.PeerAddress = netip.Addr{} }, "no allowed IPs"},
		{"long keepalive", func(c *Config) { c.Keepalive = 20 * time.Hour }, "keepalive"},
		{"negative interval", func(c *Config) { c.CheckInterval = -time.Second }, "CheckInterval"},
		{"conn and port", func(c *Config) { c.PacketConn, c.ListenPort = pc, 5000 }, "PacketConn excludes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig(t)
			tc.edit(&c)
			_, err := New(c, nil, nil)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want ErrConfig with %q", err, tc.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	p := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	tests := []struct {
		name          string
		edit          func(c *Config)
		allowed       []netip.Prefix
		keepalive     int
		literal       string
		mtu           int
		reresolve     time.Duration
		checkInterval time.Duration
	}{
		{"defaults", func(*Config) {}, []netip.Prefix{p("10.99.0.1/32")}, 25, "", 1280, 135 * time.Second, 5 * time.Second},
		{"cloud range from the address", func(c *Config) {
			c.PeerAddress = netip.Addr{}
			c.Addresses = []netip.Prefix{p("10.99.0.2/24"), p("fd00:99::2/64")}
		}, []netip.Prefix{p("10.99.0.0/24"), p("fd00:99::/64")}, 25, "", 1280, 135 * time.Second, 5 * time.Second},
		{"IPv6 peer", func(c *Config) { c.PeerAddress = netip.MustParseAddr("fd00::1") }, []netip.Prefix{p("fd00::1/128")}, 25, "", 1280, 135 * time.Second, 5 * time.Second},
		{"explicit", func(c *Config) {
			c.AllowedIPs = []netip.Prefix{p("0.0.0.0/0")}
			c.Keepalive = 1500 * time.Millisecond
			c.Endpoint = "[::1]:51820"
			c.MTU = 1420
			c.ReresolveAfter, c.CheckInterval = time.Second, time.Millisecond
		}, []netip.Prefix{p("0.0.0.0/0")}, 2, "[::1]:51820", 1420, time.Second, time.Millisecond},
		{"keepalive off", func(c *Config) { c.Keepalive = -1 }, []netip.Prefix{p("10.99.0.1/32")}, 0, "", 1280, 135 * time.Second, 5 * time.Second},
		{"no endpoint: keepalive off", func(c *Config) { c.Endpoint = "" }, []netip.Prefix{p("10.99.0.1/32")}, 0, "", 1280, 135 * time.Second, 5 * time.Second},
		{"mapped endpoint", func(c *Config) { c.Endpoint = "[::ffff:192.0.2.1]:51820" }, []netip.Prefix{p("10.99.0.1/32")}, 25, "192.0.2.1:51820", 1280, 135 * time.Second, 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig(t)
			tc.edit(&c)
			s, err := validate(c)
			if err != nil {
				t.Fatal(err)
			}
			lit := ""
			if s.literal.IsValid() {
				lit = s.literal.String()
			}
			if !slices.Equal(s.AllowedIPs, tc.allowed) || s.keepalive != tc.keepalive || lit != tc.literal ||
				s.MTU != tc.mtu || s.ReresolveAfter != tc.reresolve || s.CheckInterval != tc.checkInterval || s.Resolver == nil {
				t.Fatalf("settings: allowed %v keepalive %d literal %q mtu %d reresolve %v check %v",
					s.AllowedIPs, s.keepalive, lit, s.MTU, s.ReresolveAfter, s.CheckInterval)
			}
		})
	}
}

func TestConfigKeyFile(t *testing.T) {
	c := validConfig(t)
	k := c.PrivateKey
	c.PrivateKey = Key{}
	c.PrivateKeyFile = filepath.Join(t.TempDir(), "wg.key")
	if err := os.WriteFile(c.PrivateKeyFile, []byte(k.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(c.PrivateKeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(c, nil, nil); !errors.Is(err, ErrKeyFileMode) {
		t.Fatalf("New with a 644 key file = %v", err)
	}
	if err := os.Chmod(c.PrivateKeyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	tun, err := New(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tun.PublicKey() != PublicKey(k) {
		t.Fatal("public key does not match the file's key")
	}
}

func TestConfigLogValueHidesKey(t *testing.T) {
	c := validConfig(t)
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "cfg", c)
	if strings.Contains(b.String(), c.PrivateKey.String()) || !strings.Contains(b.String(), c.PeerPublicKey.String()) {
		t.Fatalf("logged: %s", b.String())
	}
	if s := fmt.Sprint(c.LogValue()); strings.Contains(s, c.PrivateKey.String()) {
		t.Fatalf("LogValue: %s", s)
	}
}
