package config

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validation of the sections that depend on each other: which CTI sources
// and sinks are chosen decides which cloud, Genesys and admin keys must be
// set. A missing key is reported at the key that made it necessary (the one
// the operator wrote), listing everything it needs in one message.

var regionRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,62}$`)

func (c *Config) validateCTI(r *report) {
	src, err := ParseSources(c.CTI.Source)
	if err != nil {
		r.add("cti.source", ErrEnum, "%q: %v", c.CTI.Source, err)
	}
	g := &c.CTI.Genesys
	if g.Region != "" && !regionRe.MatchString(g.Region) {
		r.add("cti.genesys.region", ErrEnum, "%q: want a region such as usw2, us-west-2 or a domain such as mypurecloud.com", g.Region)
	}
	if g.BaseURL != "" {
		if err := checkURL(g.BaseURL, "https", "http"); err != nil {
			r.add("cti.genesys.base_url", ErrAddress, "%q: %v", g.BaseURL, err)
		}
	}
	if a := g.UUIAttribute; len(a) > 128 || strings.ContainsFunc(a, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		r.add("cti.genesys.uui_attribute", ErrEnum, "%.40q: want a participant attribute name such as ASAIUUI, or - for none", a)
	}
	if src.Has(SourceGenesys) {
		need := map[string]string{
			"cti.genesys.client_id":          g.ClientID,
			"cti.genesys.client_secret_file": g.ClientSecretFile,
		}
		if g.BaseURL == "" { // base_url replaces the region's hosts
			need["cti.genesys.region"] = g.Region
		}
		requires(r, "cti.source", "genesys", need)
	}
	if src.Has(SourceCloud) {
		need := c.tunnelKeys()
		need["cloud.control_url"] = c.Cloud.ControlURL
		requires(r, "cti.source", "cloud", need)
	}
	if src.Has(SourceAPI) && c.Admin.Listen == "" {
		r.add("cti.source", ErrMissing, `"api" takes events on the admin API: set admin.listen`)
	}
}

func (c *Config) validateCloud(r *report) {
	t := &c.Cloud.Tunnel
	if t.Address != "" {
		if p, err := t.Prefix(); err != nil {
			r.add("cloud.tunnel.address", ErrAddress, "%q: want an address with its prefix, like 10.99.0.2/32", t.Address)
		} else if p.Addr().Is6() && t.MTU < 1280 {
			r.add("cloud.tunnel.mtu", ErrRange, "%d: an IPv6 tunnel needs at least 1280", t.MTU)
		}
	}
	intIn(r, "cloud.tunnel.mtu", t.MTU, 576, 65535)
	p := &t.Peer
	if p.PublicKey != "" {
		if _, err := DecodeKey(p.PublicKey); err != nil {
			r.add("cloud.tunnel.peer.public_key", ErrAddress, "%v", err)
		}
	}
	if p.Endpoint != "" {
		if err := checkHostPort(p.Endpoint); err != nil {
			r.add("cloud.tunnel.peer.endpoint", ErrAddress, "%q: %v", p.Endpoint, err)
		}
	}
	durationIn(r, "cloud.tunnel.peer.keepalive", p.Keepalive, 0, 65535*time.Second)
	if p.Keepalive%time.Second != 0 {
		r.add("cloud.tunnel.peer.keepalive", ErrRange, "%s: WireGuard counts keepalives in whole seconds", p.Keepalive)
	}
	for i, s := range p.AllowedIPs {
		if _, err := ParsePrefix(s); err != nil {
			r.add("cloud.tunnel.peer.allowed_ips["+strconv.Itoa(i)+"]", ErrAddress, "%q: %v", s, err)
		}
	}
	if u := c.Cloud.ControlURL; u != "" {
		if err := checkURL(u, "ws", "wss"); err != nil {
			r.add("cloud.control_url", ErrAddress, "%q: %v", u, err)
		}
	}
	durationIn(r, "cloud.control_grace", c.Cloud.ControlGrace, 0, time.Hour)
	rl := &c.Cloud.Relay
	if rl.URL != "" {
		if err := checkURL(rl.URL, "ws", "wss"); err != nil {
			r.add("cloud.relay.url", ErrAddress, "%q: %v", rl.URL, err)
		}
	}
	if strings.ContainsFunc(rl.APIKey, func(r rune) bool { return isControl(r) || r == ' ' }) {
		r.add("cloud.relay.api_key", ErrEnum, "contains spaces or control characters")
	}
	durationIn(r, "cloud.relay.frame", rl.Frame, 20*time.Millisecond, time.Second)
	if rl.Frame%(20*time.Millisecond) != 0 {
		r.add("cloud.relay.frame", ErrRange, "%s: want a multiple of 20ms (the stereo frame)", rl.Frame)
	}
	durationIn(r, "cloud.relay.buffer", rl.Buffer, max(rl.Frame, 0), 10*time.Minute)
}

func (c *Config) validateSink(r *report) {
	enum(r, "sink", c.Sink, SinkCloud, SinkLocal, SinkBoth)
	if c.Sink == SinkCloud || c.Sink == SinkBoth {
		rl := &c.Cloud.Relay
		need := c.tunnelKeys()
		need["cloud.relay.url"] = rl.URL
		need["cloud.relay.api_key"] = rl.APIKey
		need["cloud.relay.client_secret_file"] = rl.ClientSecretFile
		requires(r, "sink", c.Sink, need)
	}
	if (c.Sink == SinkLocal || c.Sink == SinkBoth) && c.Recording.Dir == "" {
		r.add("recording.dir", ErrMissing, "sink %q writes recordings: set recording.dir", c.Sink)
	}
}

func (c *Config) validateAudioHook(r *report) {
	a := &c.AudioHook
	pairedFiles(r, "audiohook.tls", a.TLS)
	if a.Listen == "" {
		return
	}
	if _, err := netip.ParseAddrPort(a.Listen); err != nil {
		r.add("audiohook.listen", ErrAddress, "%q: want an IP address and port, like 0.0.0.0:8443", a.Listen)
	}
	if a.CredentialsFile == "" {
		r.add("audiohook.listen", ErrMissing, "the AudioHook server authenticates every connection: set audiohook.credentials_file")
	}
	if pa := a.PublicAuthority; pa != "" && (strings.ContainsAny(pa, "/?# ") || strings.Contains(pa, "://")) {
		r.add("audiohook.public_authority", ErrAddress, "%q: want host or host:port, without scheme or path", pa)
	}
}

// tunnelKeys are the keys the tunnel cannot come up without.
func (c *Config) tunnelKeys() map[string]string {
	t := &c.Cloud.Tunnel
	return map[string]string{
		"cloud.tunnel.private_key_file": t.PrivateKeyFile,
		"cloud.tunnel.address":          t.Address,
		"cloud.tunnel.peer.public_key":  t.Peer.PublicKey,
		"cloud.tunnel.peer.endpoint":    t.Peer.Endpoint,
	}
}

// requires reports, at key, the keys of need that are empty.
func requires(r *report, key, value string, need map[string]string) {
	var missing []string
	for k, v := range need {
		if v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return
	}
	slices.Sort(missing)
	r.add(key, ErrMissing, "%q needs %s", value, strings.Join(missing, ", "))
}
