package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
)

// Typed views of the cloud section, for the tunnel and relay packages.

// Prefix parses cloud.tunnel.address ("10.99.0.2/32"; a bare IP is a host).
func (t Tunnel) Prefix() (netip.Prefix, error) {
	p, err := netip.ParsePrefix(t.Address)
	if err != nil {
		a, aerr := netip.ParseAddr(t.Address)
		if aerr != nil {
			return netip.Prefix{}, fmt.Errorf("config: cloud.tunnel.address: %q: want an address with its prefix, like 10.99.0.2/32: %w", t.Address, ErrAddress)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	return p, nil
}

// Key decodes cloud.tunnel.peer.public_key, base64 of 32 bytes as
// `wg pubkey` prints it.
func (p Peer) Key() ([32]byte, error) {
	k, err := DecodeKey(p.PublicKey)
	if err != nil {
		return k, fmt.Errorf("config: cloud.tunnel.peer.public_key: %w: %w", err, ErrAddress)
	}
	return k, nil
}

// AllowedPrefixes parses cloud.tunnel.peer.allowed_ips; empty means all of
// IPv4 and IPv6, as the peer is the only one.
func (p Peer) AllowedPrefixes() ([]netip.Prefix, error) {
	if len(p.AllowedIPs) == 0 {
		return []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}, nil
	}
	out := make([]netip.Prefix, 0, len(p.AllowedIPs))
	for _, s := range p.AllowedIPs {
		pf, err := ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("config: cloud.tunnel.peer.allowed_ips: %q: %w: %w", s, err, ErrAddress)
		}
		out = append(out, pf)
	}
	return out, nil
}

// DecodeKey decodes a WireGuard key: standard base64 of exactly 32 bytes.
func DecodeKey(s string) ([32]byte, error) {
	var k [32]byte
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, errors.New("want a WireGuard key: base64 of 32 bytes, as wg pubkey prints it")
	}
	copy(k[:], b)
	return k, nil
}

// checkURL checks an absolute URL with one of schemes and a host.
func checkURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	for _, sc := range schemes {
		if u.Scheme == sc {
			if u.Host == "" {
				return errors.New("no host")
			}
			return nil
		}
	}
	return fmt.Errorf("scheme %q: want %v", u.Scheme, schemes)
}

// checkHostPort checks "host:port" where host may be a name (resolved later).
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("want host:port")
	}
	if host == "" {
		return errors.New("no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q: want 1-65535", port)
	}
	return nil
}
