package genesyssim

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti/genesys"
)

// Defaults of Config.
const (
	DefaultUsers              = 50
	DefaultTokenLife          = 10 * time.Minute
	DefaultHeartbeatInterval  = 30 * time.Second
	DefaultChannelLife        = 24 * time.Hour
	DefaultSocketClosingGrace = time.Minute
	DefaultMaxPageSize        = 500
)

// Config is the simulator's configuration. The zero value of an optional
// field takes the default its comment gives.
type Config struct {
	// Listen is the loopback address to serve on, such as
	// 127.0.0.1:8081; port 0 picks a free one. Default 127.0.0.1:0.
	Listen string
	// ClientID and ClientSecret are the only OAuth client the token
	// endpoint accepts; required.
	ClientID     string
	ClientSecret string
	// Users is how many users (agents) exist at start; default 50. Zero
	// takes the default; use RemoveUser for fewer.
	Users int
	// TokenLife is an access token's expires_in; short, so that the
	// tracker refreshes. Default 10 min. Tokens expire in wall time, as
	// OAuth clients compute expiry from expires_in.
	TokenLife time.Duration
	// HeartbeatInterval is how often each socket gets a channel.metadata
	// heartbeat, on Clock; default 30 s as Genesys.
	HeartbeatInterval time.Duration
	// ChannelLife is how long a channel lives, on Clock; default 24 h.
	ChannelLife time.Duration
	// SocketClosingGrace is how long a socket stays open after
	// v2.system.socket_closing, on Clock; default 1 min as Genesys.
	SocketClosingGrace time.Duration
	// MaxTopics and MaxChannels are the Notification Service's limits;
	// defaults 1,000 and 20.
	MaxTopics   int
	MaxChannels int
	// MaxPageSize is the largest users pageSize accepted; default 500.
	MaxPageSize int
	// Clock drives heartbeats, channel expiry and the closing grace;
	// default the system clock. Tests pass a *ManualClock.
	Clock genesys.Clock
	// Log receives the simulator's log; nil discards.
	Log *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	ap, err := netip.ParseAddrPort(c.Listen)
	if err != nil || !ap.Addr().IsLoopback() {
		return c, fmt.Errorf("%w: listen %q: want a loopback IP:port such as 127.0.0.1:8081", ErrConfig, c.Listen)
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return c, fmt.Errorf("%w: need a client id and secret", ErrConfig)
	}
	if c.Users < 0 || c.Users > 200_000 {
		return c, fmt.Errorf("%w: users %d: want 0 to 200000", ErrConfig, c.Users)
	}
	if c.Users == 0 {
		c.Users = DefaultUsers
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&c.TokenLife, DefaultTokenLife},
		{&c.HeartbeatInterval, DefaultHeartbeatInterval},
		{&c.ChannelLife, DefaultChannelLife},
		{&c.SocketClosingGrace, DefaultSocketClosingGrace},
	} {
		if *d.v < 0 {
			return c, fmt.Errorf("%w: negative duration %v", ErrConfig, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.TokenLife < time.Second {
		return c, fmt.Errorf("%w: token life %v: want at least 1s (expires_in is in seconds)", ErrConfig, c.TokenLife)
	}
	for _, d := range []struct {
		v   *int
		def int
	}{{&c.MaxTopics, genesys.MaxTopicsPerChannel}, {&c.MaxChannels, genesys.MaxChannels}, {&c.MaxPageSize, DefaultMaxPageSize}} {
		if *d.v < 0 {
			return c, fmt.Errorf("%w: negative limit %d", ErrConfig, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.Clock == nil {
		c.Clock = genesys.SystemClock()
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
