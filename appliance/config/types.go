package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// The typed views below parse the string keys into what the rest of the
// appliance binds and compares with. Validate uses the same functions, so on
// a validated config they do not fail; they still return errors because a
// hand-built config may not have been validated.

// Listen is one SIP listener: Network is "udp", "tcp" or "tls".
type Listen struct {
	Network string
	Addr    netip.AddrPort
}

// String returns the spec form, "udp:127.0.0.1:5060".
func (l Listen) String() string { return l.Network + ":" + l.Addr.String() }

// ParseListen parses "udp:host:port", "tcp:host:port" or "tls:host:port";
// the host is an IP literal (IPv6 in brackets) because it is a bind address.
func ParseListen(spec string) (Listen, error) {
	network, hostport, ok := strings.Cut(spec, ":")
	if !ok {
		return Listen{}, errors.New(`want "udp:host:port", "tcp:host:port" or "tls:host:port"`)
	}
	switch network {
	case "udp", "tcp", "tls":
	default:
		return Listen{}, fmt.Errorf("transport %q: want udp, tcp or tls", network)
	}
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return Listen{}, fmt.Errorf("%q: want an IP address and port, like 0.0.0.0:5060 or [::]:5060", hostport)
	}
	// Port 0 (any free port) suits only tests and the lab on loopback: an
	// SBC must be told a fixed port.
	if ap.Port() == 0 && !ap.Addr().IsLoopback() {
		return Listen{}, errors.New("port 0: a listener needs a fixed port the SBC can be told")
	}
	return Listen{Network: network, Addr: ap}, nil
}

// Listeners parses sip.listen.
func (s SIP) Listeners() ([]Listen, error) {
	out := make([]Listen, 0, len(s.Listen))
	for _, spec := range s.Listen {
		l, err := ParseListen(spec)
		if err != nil {
			return nil, fmt.Errorf("config: sip.listen: %q: %w: %w", spec, err, ErrAddress)
		}
		out = append(out, l)
	}
	return out, nil
}

// PortRange is an inclusive UDP port range for media.
type PortRange struct {
	Min, Max uint16
}

// minPortPairs is the smallest usable range: two sessions of two streams.
const minPortPairs = 4

// Pairs is the number of RTP/RTCP port pairs (even, odd) in the range: the
// number of streams it can hold at once.
func (p PortRange) Pairs() int { return (int(p.Max) - int(p.Min) + 1) / 2 }

// Sessions is the number of two-leg recording sessions the range can hold.
func (p PortRange) Sessions() int { return p.Pairs() / 2 }

// String returns the "20000-29999" form.
func (p PortRange) String() string {
	return strconv.Itoa(int(p.Min)) + "-" + strconv.Itoa(int(p.Max))
}

// ParsePortRange parses "start-end": start even (RTP takes the even port,
// RTCP the odd one after it), start below end, both within 1024-65535, and
// room for at least a few port pairs.
func ParsePortRange(s string) (PortRange, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return PortRange{}, errors.New(`want "start-end", like "20000-29999"`)
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case err1 != nil || err2 != nil:
		return PortRange{}, errors.New(`want two port numbers, "start-end", like "20000-29999"`)
	case lo < 1024 || hi > 65535:
		return PortRange{}, errors.New("ports must be within 1024-65535 (the service has no capability for lower ports)")
	case lo >= hi:
		return PortRange{}, errors.New("start must be below end")
	case lo%2 != 0:
		return PortRange{}, errors.New("start must be even (RTP on even ports, RTCP on the odd port after)")
	}
	p := PortRange{Min: uint16(lo), Max: uint16(hi)}
	if p.Pairs() < minPortPairs {
		return PortRange{}, fmt.Errorf("%d port pairs; want at least %d", p.Pairs(), minPortPairs)
	}
	return p, nil
}

// PortRange parses media.ports.
func (m Media) PortRange() (PortRange, error) {
	p, err := ParsePortRange(m.Ports)
	if err != nil {
		return PortRange{}, fmt.Errorf("config: media.ports: %q: %w: %w", m.Ports, err, ErrPorts)
	}
	return p, nil
}

// AllowList is the set of networks SIP requests are accepted from.
type AllowList []netip.Prefix

// loopbackOnly is what an empty sip.allow means: the lab, never everyone.
func loopbackOnly() AllowList {
	return AllowList{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// Allowed reports whether a is inside the list. IPv4-mapped IPv6 addresses
// (from dual-stack sockets) are compared as IPv4.
func (l AllowList) Allowed(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefix parses a CIDR; a bare IP is a single host (/32 or /128).
func ParsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("want a CIDR like 10.20.0.0/24 or an IP address")
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("want a CIDR like 10.20.0.0/24")
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("host bits set; did you mean %s?", p.Masked())
	}
	return p, nil
}

// AllowList parses sip.allow; an empty list is loopback only.
func (s SIP) AllowList() (AllowList, error) {
	if len(s.Allow) == 0 {
		return loopbackOnly(), nil
	}
	out := make(AllowList, 0, len(s.Allow))
	for _, c := range s.Allow {
		p, err := ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("config: sip.allow: %q: %w: %w", c, err, ErrAddress)
		}
		out = append(out, p)
	}
	return out, nil
}

// Sources is the set of CTI sources named by cti.source, sorted.
type Sources []string

// Has reports whether name (cloud, genesys, api) is in the set.
func (s Sources) Has(name string) bool { return slices.Contains(s, name) }

// String returns the "api,cloud" form.
func (s Sources) String() string { return strings.Join(s, ",") }

// ParseSources parses "cloud", "cloud,api", ...: known names, no repeats,
// at least one.
func ParseSources(s string) (Sources, error) {
	var out Sources
	for part := range strings.SplitSeq(s, ",") {
		name := strings.TrimSpace(part)
		switch name {
		case SourceCloud, SourceGenesys, SourceAPI:
		case "":
			return nil, errors.New(`want one or more of cloud, genesys, api, like "cloud,api"`)
		default:
			return nil, fmt.Errorf("%q: want cloud, genesys or api", name)
		}
		if out.Has(name) {
			return nil, fmt.Errorf("%q given twice", name)
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// Sources parses cti.source.
func (c CTI) Sources() (Sources, error) {
	s, err := ParseSources(c.Source)
	if err != nil {
		return nil, fmt.Errorf("config: cti.source: %w: %w", err, ErrEnum)
	}
	return s, nil
}

// SlogLevel maps log.level to a slog level; unknown words are info.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
