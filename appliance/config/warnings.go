package config

import (
	"net/netip"
	"strconv"
)

// Warnings returns what is valid but probably not meant, formatted like
// errors ("edge.yaml:9: media.ports: ..."). The daemon logs them at start;
// check-config prints them and still exits 0.
//
// Port range capacity is a warning, not an error, and only when the file
// sets media.ports or sip.max_sessions: the defaults themselves (max_sessions
// 2000, ports 20000-20999 = 250 two-leg sessions) are a lab that never comes
// near either limit, and in production running out of ports is handled at
// run time: OPTIONS answers 503 and INVITEs get 503 with Retry-After, so the
// SBC hunts to the next recorder (DESIGN §4, §12).
func (c *Config) Warnings() []string {
	r := &report{src: c.src}
	_, setPorts := c.src.lines["media.ports"]
	_, setMax := c.src.lines["sip.max_sessions"]
	if pr, err := ParsePortRange(c.Media.Ports); err == nil && (setPorts || setMax) && pr.Sessions() < c.SIP.MaxSessions {
		r.add("media.ports", ErrRange,
			"%q holds %d port pairs, %d two-leg sessions, below sip.max_sessions %d; calls beyond it get 503",
			c.Media.Ports, pr.Pairs(), pr.Sessions(), c.SIP.MaxSessions)
	}
	for i, spec := range c.SIP.Listen {
		if l, err := ParseListen(spec); err == nil && l.Addr.Port() < 1024 {
			r.add("sip.listen["+strconv.Itoa(i)+"]", ErrRange,
				"%q: port below 1024 needs a capability the packaged service does not have", spec)
		}
	}
	for i, s := range c.SIP.Allow {
		if p, err := ParsePrefix(s); err == nil && p.Bits() == 0 {
			r.add("sip.allow["+strconv.Itoa(i)+"]", ErrAddress, "%q accepts SIP from anywhere", s)
		}
	}
	if a := c.AudioHook; a.Listen != "" && a.TLS.CertFile == "" {
		if ap, err := netip.ParseAddrPort(a.Listen); err == nil && !ap.Addr().IsLoopback() {
			r.add("audiohook.listen", ErrMissing,
				"%q without audiohook.tls: Genesys connects with wss://, so a TLS proxy must sit in front", a.Listen)
		}
	}
	var out []string
	for _, e := range r.sorted() {
		out = append(out, e.Error())
	}
	return out
}
