package negotiate

import (
	"fmt"
	"net/netip"
	"strings"
)

// addrInfo is a parsed c= address: an IP literal, or a host name that RFC
// 4566 section 5.7 allows and that we keep without resolving (resolving a
// name from a SIP body at call setup would block on DNS).
type addrInfo struct {
	ip   netip.Addr
	host string
}

// parseConnection reads "IN IP4|IP6 <address>[/ttl[/n]]".
func parseConnection(v string) (addrInfo, error) {
	f := strings.Fields(v)
	if len(f) != 3 || !strings.EqualFold(f[0], "IN") {
		return addrInfo{}, fmt.Errorf("%w: %q", ErrBadConnection, v)
	}
	v6 := false
	switch strings.ToUpper(f[1]) {
	case "IP4":
	case "IP6":
		v6 = true
	default:
		return addrInfo{}, fmt.Errorf("%w: %q", ErrBadConnection, v)
	}
	// Multicast addresses carry /ttl[/n] (IPv4) or /n (IPv6); a recorder
	// never joins a group, but the suffix must not spoil the address.
	host, _, _ := strings.Cut(f[2], "/")
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.WithZone("")
		if !v6 && !ip.Is4() {
			return addrInfo{}, fmt.Errorf("%w: %q is not IPv4", ErrBadAddress, host)
		}
		if v6 && !ip.Is6() {
			return addrInfo{}, fmt.Errorf("%w: %q is not IPv6", ErrBadAddress, host)
		}
		return addrInfo{ip: ip, host: host}, nil
	}
	if !validHostname(host) {
		return addrInfo{}, fmt.Errorf("%w: %q", ErrBadAddress, host)
	}
	return addrInfo{host: host}, nil
}

// validHostname checks RFC 1123 host name syntax. A name whose last label is
// all digits is refused, so a broken IPv4 literal such as "10.0.0.256" is
// reported as a bad address rather than kept as a name.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	last := ""
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
		last = label
	}
	return strings.Trim(last, "0123456789") != ""
}
