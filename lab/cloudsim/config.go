package cloudsim

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/tunnel"
)

// Defaults of Config.
var (
	DefaultAddress     = netip.MustParsePrefix("10.99.0.1/24")
	DefaultPeerAddress = netip.MustParseAddr("10.99.0.2")
)

// Defaults of Config.
const (
	DefaultControlPort = 7000
	DefaultControlPath = "/v1/edge"
)

// Config is the simulator's configuration. The zero value of an optional
// field takes the default its comment gives.
type Config struct {
	// PrivateKey is the cloud's WireGuard private key; required.
	PrivateKey tunnel.Key
	// PeerPublicKey is the appliance's public key (`cogito-edge pubkey`);
	// required.
	PeerPublicKey tunnel.Key
	// ListenUDP is the loopback UDP address of the WireGuard peer, such as
	// 127.0.0.1:51820; port 0 picks a free one. Default 127.0.0.1:0.
	ListenUDP netip.AddrPort
	// PacketConn, when set, carries the tunnel's UDP instead (tests: to
	// drop datagrams); the simulator owns it. ListenUDP must be unset.
	PacketConn net.PacketConn
	// Address is the cloud's tunnel address; default 10.99.0.1/24.
	Address netip.Prefix
	// PeerAddress is the appliance's tunnel address; default 10.99.0.2.
	PeerAddress netip.Addr

	// ControlPort and ControlPath make the control URL,
	// ws://<Address>:<ControlPort><ControlPath>; default 7000 and /v1/edge.
	ControlPort uint16
	ControlPath string
	// Control tunes the control-channel server.
	Control ControlConfig

	// API is the loopback address of the HTTP API, such as
	// 127.0.0.1:7080; port 0 picks a free one; empty serves none.
	API string

	// CheckInterval is the tunnel's polling interval (tests shorten it);
	// default the tunnel's.
	CheckInterval time.Duration

	// Ingest is the cloud's AudioHook ingest, where the appliance's relay
	// streams its recordings (cloud.relay.url); off unless Ingest.Dir is
	// set.
	Ingest IngestConfig

	// Genesys runs the Genesys Cloud CTI tracker in the cloud and
	// forwards its events over the control channel; off unless
	// Genesys.BaseURL or Genesys.Region is set.
	Genesys GenesysConfig
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.PrivateKey.IsZero() || c.PeerPublicKey.IsZero() {
		return c, fmt.Errorf("%w: need the cloud's private key and the appliance's public key", ErrConfig)
	}
	if c.PacketConn != nil && c.ListenUDP.IsValid() {
		return c, fmt.Errorf("%w: set ListenUDP or PacketConn, not both", ErrConfig)
	}
	if c.PacketConn == nil && !c.ListenUDP.IsValid() {
		c.ListenUDP = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 0)
	}
	if !c.Address.IsValid() {
		c.Address = DefaultAddress
	}
	if !c.PeerAddress.IsValid() {
		c.PeerAddress = DefaultPeerAddress
	}
	if c.ControlPort == 0 {
		c.ControlPort = DefaultControlPort
	}
	if c.ControlPath == "" {
		c.ControlPath = DefaultControlPath
	}
	if !strings.HasPrefix(c.ControlPath, "/") {
		return c, fmt.Errorf("%w: control path %q: want /path", ErrConfig, c.ControlPath)
	}
	ingest, err := c.Ingest.withDefaults(c.ControlPort)
	if err != nil {
		return c, err
	}
	c.Ingest = ingest
	if c.Genesys.enabled() && (c.Genesys.ClientID == "" || c.Genesys.ClientSecret == "") {
		return c, fmt.Errorf("%w: genesys: need the OAuth client id and secret", ErrConfig)
	}
	if c.API != "" {
		ap, err := netip.ParseAddrPort(c.API)
		if err != nil || !ap.Addr().IsLoopback() {
			return c, fmt.Errorf("%w: API %q: want a loopback IP:port such as 127.0.0.1:7080", ErrConfig, c.API)
		}
	}
	return c, nil
}

// tunnelConfig is the WireGuard side: a peer with no endpoint, which the
// appliance connects to.
func (c Config) tunnelConfig() tunnel.Config {
	tc := tunnel.Config{
		PrivateKey:    c.PrivateKey,
		Addresses:     []netip.Prefix{c.Address},
		PeerPublicKey: c.PeerPublicKey,
		PeerAddress:   c.PeerAddress,
		PacketConn:    c.PacketConn,
		CheckInterval: c.CheckInterval,
	}
	if c.PacketConn == nil {
		tc.ListenAddress, tc.ListenPort = c.ListenUDP.Addr(), c.ListenUDP.Port()
	}
	return tc
}
