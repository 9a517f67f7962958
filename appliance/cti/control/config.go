package control

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultGrace            = 30 * time.Second
	DefaultPingInterval     = 10 * time.Second
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultMinBackoff       = 500 * time.Millisecond
	DefaultMaxBackoff       = 30 * time.Second
)

// Config is the client's configuration. The zero value of an optional
// field takes the default its comment gives.
type Config struct {
	// URL is the cloud's control endpoint, ws:// or wss:// (cloud.control_url).
	URL string
	// ApplianceID and Version introduce the appliance in its hello.
	ApplianceID string
	Version     string

	// DialContext opens the TCP connection: the tunnel's, in the
	// appliance. Default: a net.Dialer (tests on loopback).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS configures wss:// URLs; nil uses the system roots.
	TLS *tls.Config

	// Grace is how long the channel may be down before Ready fails
	// (cloud.control_grace); default 30 s. Zero takes the default; a
	// negative Grace is no grace at all.
	Grace time.Duration
	// PingInterval is how often the client pings; a connection that
	// brought no message for two intervals is dropped. Default 10 s.
	PingInterval time.Duration
	// HandshakeTimeout bounds the dial and the WebSocket handshake;
	// default 10 s.
	HandshakeTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between connection
	// attempts: it doubles from MinBackoff up to MaxBackoff, each wait
	// drawn at random from its upper half. Defaults 500 ms and 30 s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return c, fmt.Errorf("%w: URL %q: want ws://host:port/path or wss://", ErrConfig, c.URL)
	}
	if c.ApplianceID == "" || !printable(c.ApplianceID, maxApplianceIDLen) {
		return c, fmt.Errorf("%w: appliance id %q: want 1 to %d printable characters", ErrConfig, c.ApplianceID, maxApplianceIDLen)
	}
	if !printable(c.Version, maxVersionLen) {
		return c, fmt.Errorf("%w: version: want at most %d printable characters", ErrConfig, maxVersionLen)
	}
	if c.DialContext == nil {
		c.DialContext = (&net.Dialer{}).DialContext
	}
	switch {
	case c.Grace == 0:
		c.Grace = DefaultGrace
	case c.Grace < 0:
		c.Grace = 0
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"PingInterval", &c.PingInterval, DefaultPingInterval},
		{"HandshakeTimeout", &c.HandshakeTimeout, DefaultHandshakeTimeout},
		{"MinBackoff", &c.MinBackoff, DefaultMinBackoff},
		{"MaxBackoff", &c.MaxBackoff, DefaultMaxBackoff},
	} {
		if *d.v < 0 {
			return c, fmt.Errorf("%w: %s %v is negative", ErrConfig, d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.MaxBackoff < c.MinBackoff {
		return c, fmt.Errorf("%w: MaxBackoff %v is below MinBackoff %v", ErrConfig, c.MaxBackoff, c.MinBackoff)
	}
	return c, nil
}
