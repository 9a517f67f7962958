package genesys

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Genesys Notification Service limits (developer.genesys.cloud, Notifications).
const (
	// MaxTopicsPerChannel is how many topics one channel takes; the API
	// answers 400 beyond.
	MaxTopicsPerChannel = 1000
	// MaxChannels is how many channels one user and OAuth client may have;
	// creating one more evicts the least recently used.
	MaxChannels = 20
)

// Defaults for the zero values of Config.
const (
	DefaultHeartbeatTimeout = 70 * time.Second
	DefaultPingInterval     = 30 * time.Second
	DefaultRenewBefore      = time.Hour
	DefaultOverlap          = 10 * time.Second
	DefaultUserRefresh      = 5 * time.Minute
	DefaultPageSize         = 100
	DefaultUUIAttribute     = "ASAIUUI"
	DefaultGrace            = 30 * time.Second
	DefaultMinBackoff       = 500 * time.Millisecond
	DefaultMaxBackoff       = 30 * time.Second
	DefaultMaxRetryAfter    = 2 * time.Minute
	DefaultMaxAttempts      = 8
	DefaultReconnectProbe   = 3
	DefaultReconnectGiveUp  = 6
	DefaultHandshakeTimeout = 15 * time.Second
	DefaultRequestTimeout   = 30 * time.Second
	DefaultReconcileWorkers = 4
)

// Config is the tracker's configuration. The zero value of an optional
// field takes the default its comment gives.
type Config struct {
	// Region is a short name (usw2), an AWS name (us-west-2) or a domain
	// (mypurecloud.com); cti.genesys.region. Ignored when BaseURL is set.
	Region string
	// BaseURL replaces both the login and the API hosts (the lab's
	// simulator, tests); cti.genesys.base_url.
	BaseURL string
	// ClientID and ClientSecret are the OAuth client (client credentials
	// grant); its role needs Analytics > Conversation Detail > View.
	ClientID     string
	ClientSecret string

	// OnEvent receives every CTI event, in order, from one goroutine. It
	// should not block for long: notifications wait while it runs (none
	// is lost, TCP holds them). Required.
	OnEvent func(cti.Event)

	// UUIAttribute is the participant attribute read for the UUI when no
	// call leg carries uuiData; default ASAIUUI. "-" reads none.
	UUIAttribute string
	// PageSize is the users page size; default 100 (Genesys allows up to
	// 500 on /api/v2/users).
	PageSize int
	// UserRefresh is how often the user list is read again, to subscribe
	// new agents and drop removed ones; default 5 min.
	UserRefresh time.Duration

	// MaxTopicsPerChannel and MaxChannels are Genesys's limits (1,000 and
	// 20); tests lower them.
	MaxTopicsPerChannel int
	MaxChannels         int

	// HeartbeatTimeout: a socket that brought no channel.metadata message
	// (heartbeat or pong) for this long is reconnected; default 70 s
	// (Genesys sends a heartbeat every 30 s).
	HeartbeatTimeout time.Duration
	// PingInterval is how often {"message":"ping"} is sent; default 30 s.
	PingInterval time.Duration
	// RenewBefore: a channel is replaced this long before it expires
	// (channels live 24 h); default 1 h.
	RenewBefore time.Duration
	// Overlap is how long the old channel's socket is kept after its
	// replacement connected, so that nothing in flight is lost; events
	// that arrive on both are deduplicated. Default 10 s.
	Overlap time.Duration
	// Grace is how long a channel may be down before Ready fails; default
	// 30 s.
	Grace time.Duration

	// MinBackoff and MaxBackoff bound the wait between retries of a
	// request or a connection (doubling, jittered); 500 ms and 30 s.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// MaxRetryAfter caps a 429's Retry-After; default 2 min.
	MaxRetryAfter time.Duration
	// MaxAttempts bounds the tries of one API request; default 8.
	MaxAttempts int
	// ReconnectProbe: after this many failed reconnections the channel is
	// checked (HEAD); ReconnectGiveUp: after this many it is replaced even
	// if it still exists. Defaults 3 and 6.
	ReconnectProbe  int
	ReconnectGiveUp int

	// HTTPClient makes the API and token requests; default one with
	// RequestTimeout and the environment's proxy.
	HTTPClient *http.Client
	// RequestTimeout bounds one request of the default HTTPClient; 30 s.
	RequestTimeout time.Duration
	// DialContext opens the WebSockets' TCP connections; default a
	// net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// HandshakeTimeout bounds a WebSocket dial and handshake; 15 s.
	HandshakeTimeout time.Duration
	// ReconcileWorkers is how many conversations are read at once after a
	// reconnect; default 4.
	ReconcileWorkers int
	// Clock drives the watchdog, keepalive, renewal and refresh timers;
	// default the system clock.
	Clock Clock
	// UserAgent is sent with every request; default "cogito-edge".
	UserAgent string
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, Endpoints, error) {
	ep, err := ResolveEndpoints(c.Region, c.BaseURL)
	if err != nil {
		return c, ep, err
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return c, ep, fmt.Errorf("%w: need the OAuth client id and secret", ErrConfig)
	}
	if c.OnEvent == nil {
		return c, ep, fmt.Errorf("%w: no OnEvent", ErrConfig)
	}
	switch c.UUIAttribute {
	case "":
		c.UUIAttribute = DefaultUUIAttribute
	case "-":
		c.UUIAttribute = ""
	}
	ints := []struct {
		name     string
		v        *int
		def, max int
	}{
		{"PageSize", &c.PageSize, DefaultPageSize, 500},
		{"MaxTopicsPerChannel", &c.MaxTopicsPerChannel, MaxTopicsPerChannel, MaxTopicsPerChannel},
		{"MaxChannels", &c.MaxChannels, MaxChannels, MaxChannels},
		{"MaxAttempts", &c.MaxAttempts, DefaultMaxAttempts, 100},
		{"ReconnectProbe", &c.ReconnectProbe, DefaultReconnectProbe, 100},
		{"ReconnectGiveUp", &c.ReconnectGiveUp, DefaultReconnectGiveUp, 1000},
		{"ReconcileWorkers", &c.ReconcileWorkers, DefaultReconcileWorkers, 64},
	}
	for _, d := range ints {
		if *d.v < 0 || *d.v > d.max {
			return c, ep, fmt.Errorf("%w: %s %d: want 1 to %d", ErrConfig, d.name, *d.v, d.max)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	durs := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"UserRefresh", &c.UserRefresh, DefaultUserRefresh},
		{"HeartbeatTimeout", &c.HeartbeatTimeout, DefaultHeartbeatTimeout},
		{"PingInterval", &c.PingInterval, DefaultPingInterval},
		{"RenewBefore", &c.RenewBefore, DefaultRenewBefore},
		{"Overlap", &c.Overlap, DefaultOverlap},
		{"Grace", &c.Grace, DefaultGrace},
		{"MinBackoff", &c.MinBackoff, DefaultMinBackoff},
		{"MaxBackoff", &c.MaxBackoff, DefaultMaxBackoff},
		{"MaxRetryAfter", &c.MaxRetryAfter, DefaultMaxRetryAfter},
		{"RequestTimeout", &c.RequestTimeout, DefaultRequestTimeout},
		{"HandshakeTimeout", &c.HandshakeTimeout, DefaultHandshakeTimeout},
	}
	for _, d := range durs {
		if *d.v < 0 {
			return c, ep, fmt.Errorf("%w: %s %v is negative", ErrConfig, d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.MaxBackoff < c.MinBackoff {
		return c, ep, fmt.Errorf("%w: MaxBackoff %v is below MinBackoff %v", ErrConfig, c.MaxBackoff, c.MinBackoff)
	}
	if c.ReconnectGiveUp < c.ReconnectProbe {
		return c, ep, fmt.Errorf("%w: ReconnectGiveUp %d is below ReconnectProbe %d", ErrConfig, c.ReconnectGiveUp, c.ReconnectProbe)
	}
	if c.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		c.HTTPClient = &http.Client{Transport: tr, Timeout: c.RequestTimeout}
	}
	if c.DialContext == nil {
		c.DialContext = (&net.Dialer{Timeout: c.HandshakeTimeout}).DialContext
	}
	if c.Clock == nil {
		c.Clock = SystemClock()
	}
	if c.UserAgent == "" {
		c.UserAgent = "cogito-edge"
	}
	return c, ep, nil
}
