package tunnel

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultMTU            = 1280
	DefaultKeepalive      = 25 * time.Second
	DefaultReresolveAfter = 135 * time.Second
	DefaultCheckInterval  = 5 * time.Second
	DefaultResolveTimeout = 10 * time.Second
)

// Resolver looks up the addresses of the endpoint's name. *net.Resolver is
// one; tests inject their own.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config is the tunnel's configuration. The zero value of an optional
// field takes the default its comment gives.
type Config struct {
	// PrivateKeyFile is a file holding the private key as `wg genkey`
	// prints it; it must not be accessible by group or others. Exactly one
	// of PrivateKeyFile and PrivateKey is set.
	PrivateKeyFile string
	// PrivateKey is the private key itself (tests, the lab).
	PrivateKey Key

	// Addresses are the tunnel's own addresses, such as 10.99.0.2/32; one
	// per family is usual. The prefix length only matters for the default
	// AllowedIPs.
	Addresses []netip.Prefix
	// MTU of the tunnel; default 1280 (the least IPv6 allows).
	MTU int

	// PeerPublicKey is the cloud's public key.
	PeerPublicKey Key
	// PeerAddress is the peer's own tunnel address (optional); it makes the
	// default AllowedIPs.
	PeerAddress netip.Addr
	// Endpoint is the peer's UDP host:port. A name is resolved by the
	// tunnel with Resolver, and again while the last handshake is older
	// than ReresolveAfter. Empty means the peer connects to us (the cloud's
	// role): its endpoint is learnt from its handshake.
	Endpoint string
	// Keepalive is the persistent keepalive interval, whole seconds;
	// default 25 s, negative turns it off. Without an Endpoint the default
	// is off: the peer that dials keeps the path open, and until it does
	// there is nowhere to send a keepalive.
	Keepalive time.Duration
	// AllowedIPs are the addresses reached through the peer. Default: the
	// host prefix of PeerAddress, and the range of each of Addresses that
	// is wider than a host (10.99.0.2/24 gives 10.99.0.0/24).
	AllowedIPs []netip.Prefix

	// ListenPort is the local UDP port; 0 picks a free one.
	ListenPort uint16
	// ListenAddress, when set, binds the UDP socket to this address only
	// (such as 127.0.0.1); unset binds all addresses of both families.
	ListenAddress netip.Addr
	// PacketConn, when set, carries the tunnel's UDP instead of a socket
	// of its own (tests: to drop or delay datagrams). The tunnel owns it
	// and closes it on Close. ListenPort and ListenAddress must be unset.
	PacketConn net.PacketConn

	// Resolver looks up Endpoint's name; default net.DefaultResolver.
	Resolver Resolver
	// ResolveTimeout bounds one lookup; default 10 s.
	ResolveTimeout time.Duration
	// ReresolveAfter is the handshake age past which the endpoint's name is
	// looked up again; default 135 s (REJECT_AFTER_TIME's rekey plus slack).
	ReresolveAfter time.Duration
	// CheckInterval is how often the tunnel polls the device to update
	// metrics, warn about failing handshakes and decide on re-resolution;
	// default 5 s.
	CheckInterval time.Duration
}

// LogValue logs the config without the private key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("addresses", c.Addresses),
		slog.Int("mtu", c.MTU),
		slog.String("peer_public_key", c.PeerPublicKey.String()),
		slog.String("endpoint", c.Endpoint),
		slog.Duration("keepalive", c.Keepalive),
		slog.Any("allowed_ips", c.AllowedIPs),
	)
}

// settings is a validated Config with its defaults applied and its parts
// parsed.
type settings struct {
	Config
	priv      Key
	pub       Key
	host      string         // endpoint host, "" without an endpoint
	port      uint16         // endpoint port
	literal   netip.AddrPort // set when the endpoint host is an IP
	keepalive int            // persistent keepalive, seconds; 0 off
}

// validate checks c, reads the key file and applies the defaults.
func validate(c Config) (*settings, error) {
	s := &settings{Config: c}
	if err := s.key(); err != nil {
		return nil, err
	}
	if err := s.addresses(); err != nil {
		return nil, err
	}
	if err := s.peer(); err != nil {
		return nil, err
	}
	if err := s.timers(); err != nil {
		return nil, err
	}
	if c.PacketConn != nil && (c.ListenPort != 0 || c.ListenAddress.IsValid()) {
		return nil, fmt.Errorf("%w: PacketConn excludes ListenPort and ListenAddress", ErrConfig)
	}
	if s.Resolver == nil {
		s.Resolver = net.DefaultResolver
	}
	return s, nil
}

func (s *settings) key() error {
	switch {
	case s.PrivateKeyFile != "" && !s.PrivateKey.IsZero():
		return fmt.Errorf("%w: set PrivateKeyFile or PrivateKey, not both", ErrConfig)
	case s.PrivateKeyFile != "":
		k, err := ReadKeyFile(s.PrivateKeyFile)
		if err != nil {
			return err
		}
		s.priv = k
	case !s.PrivateKey.IsZero():
		s.priv = s.PrivateKey
	default:
		return fmt.Errorf("%w: no private key (PrivateKeyFile)", ErrConfig)
	}
	s.PrivateKey = Key{} // keep the secret in one place
	s.pub = PublicKey(s.priv)
	return nil
}

func (s *settings) addresses() error {
	if len(s.Addresses) == 0 {
		return fmt.Errorf("%w: no tunnel address (such as 10.99.0.2/32)", ErrConfig)
	}
	if s.MTU == 0 {
		s.MTU = DefaultMTU
	}
	if s.MTU < 576 || s.MTU > 65535 {
		return fmt.Errorf("%w: MTU %d: want 576 to 65535", ErrConfig, s.MTU)
	}
	for _, p := range s.Addresses {
		if !p.IsValid() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			return fmt.Errorf("%w: tunnel address %v: want an IPv4 or IPv6 prefix such as 10.99.0.2/32", ErrConfig, p)
		}
		if p.Addr().Is6() && s.MTU < 1280 {
			return fmt.Errorf("%w: MTU %d: IPv6 address %v needs at least 1280", ErrConfig, s.MTU, p)
		}
	}
	return nil
}

func (s *settings) peer() error {
	if s.PeerPublicKey.IsZero() {
		return fmt.Errorf("%w: no peer public key", ErrConfig)
	}
	if s.PeerPublicKey == s.pub {
		return fmt.Errorf("%w: the peer public key is this tunnel's own public key", ErrConfig)
	}
	if s.Endpoint != "" {
		host, port, err := net.SplitHostPort(s.Endpoint)
		n, perr := strconv.ParseUint(port, 10, 16)
		if err != nil || host == "" || perr != nil || n == 0 {
			return fmt.Errorf("%w: endpoint %q: want host:port", ErrConfig, s.Endpoint)
		}
		s.host, s.port = host, uint16(n)
		if a, err := netip.ParseAddr(host); err == nil {
			s.literal = netip.AddrPortFrom(a.Unmap(), s.port)
		}
	}
	if len(s.AllowedIPs) == 0 {
		s.AllowedIPs = defaultAllowedIPs(s.PeerAddress, s.Addresses)
		if len(s.AllowedIPs) == 0 {
			return fmt.Errorf("%w: no allowed IPs: set AllowedIPs or PeerAddress, or give the tunnel address its range (10.99.0.2/24)", ErrConfig)
		}
	}
	for _, p := range s.AllowedIPs {
		if !p.IsValid() {
			return fmt.Errorf("%w: allowed IP %v", ErrConfig, p)
		}
	}
	return nil
}

// defaultAllowedIPs is the peer's host prefix and the range of each of our
// addresses that is wider than a host.
func defaultAllowedIPs(peer netip.Addr, ours []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	if peer.IsValid() {
		peer = peer.Unmap()
		out = append(out, netip.PrefixFrom(peer, peer.BitLen()))
	}
	for _, p := range ours {
		if p.Bits() < p.Addr().BitLen() {
			out = append(out, p.Masked())
		}
	}
	return out
}

func (s *settings) timers() error {
	switch {
	case s.Keepalive == 0 && s.Endpoint == "":
	case s.Keepalive == 0:
		s.Keepalive = DefaultKeepalive
	case s.Keepalive < 0:
		s.Keepalive = 0
	case s.Keepalive > 65535*time.Second:
		return fmt.Errorf("%w: keepalive %v: at most 65535 s", ErrConfig, s.Keepalive)
	}
	// WireGuard counts whole seconds; round up so 500ms is not "off".
	s.keepalive = int((s.Keepalive + time.Second - 1) / time.Second)
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"ResolveTimeout", &s.ResolveTimeout, DefaultResolveTimeout},
		{"ReresolveAfter", &s.ReresolveAfter, DefaultReresolveAfter},
		{"CheckInterval", &s.CheckInterval, DefaultCheckInterval},
	} {
		if *d.v < 0 {
			return fmt.Errorf("%w: %s %v is negative", ErrConfig, d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	return nil
}
