package config

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Validate checks every key and the requirements between keys without
// touching the machine (no file is opened, no name resolved), so that it
// gives the same answer on a build host as on the appliance. Parse and Load
// call it; call it yourself after changing a Config by hand.
//
// All problems are returned together, in line order, each an *Error.
func (c *Config) Validate() error {
	r := &report{src: c.src}
	c.check(r)
	return r.err()
}

// check adds every problem to r.
func (c *Config) check(r *report) {
	c.validateTop(r)
	c.validateSIP(r)
	c.validateMedia(r)
	c.validateGate(r)
	c.validateCTI(r)
	c.validateCloud(r)
	c.validateSink(r)
	c.validateAudioHook(r)
	c.validateAdmin(r)
}

var applianceIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

func (c *Config) validateTop(r *report) {
	if c.ApplianceID != "" && !applianceIDRe.MatchString(c.ApplianceID) {
		r.add("appliance_id", ErrEnum, "%q: want 1-63 letters, digits, '.', '_' or '-' (it goes into metrics and the cloud)", c.ApplianceID)
	}
	enum(r, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	enum(r, "log.format", c.Log.Format, "json", "text")
	durationIn(r, "drain_timeout", c.DrainTimeout, 0, time.Hour)
}

func (c *Config) validateSIP(r *report) {
	s := &c.SIP
	seen := map[string]int{}
	hasTLS := false
	for i, spec := range s.Listen {
		key := "sip.listen[" + strconv.Itoa(i) + "]"
		l, err := ParseListen(spec)
		if err != nil {
			r.add(key, ErrAddress, "%q: %v", spec, err)
			continue
		}
		// tcp and tls are both TCP sockets: the same address twice cannot bind.
		sock := l.Addr.String()
		if l.Network == "udp" {
			sock = "udp " + sock
		}
		if j, dup := seen[sock]; dup {
			r.add(key, ErrDuplicate, "%q: the same socket as sip.listen[%d]", spec, j)
		}
		seen[sock] = i
		hasTLS = hasTLS || l.Network == "tls"
	}
	pairedFiles(r, "sip.tls", s.TLS)
	if hasTLS && (s.TLS.CertFile == "" || s.TLS.KeyFile == "") {
		r.add("sip.listen", ErrMissing, "a tls: listener needs sip.tls.cert_file and sip.tls.key_file")
	}
	for i, a := range s.Allow {
		if _, err := ParsePrefix(a); err != nil {
			r.add("sip.allow["+strconv.Itoa(i)+"]", ErrAddress, "%q: %v", a, err)
		}
	}
	intIn(r, "sip.max_sessions", s.MaxSessions, 1, 100000)
	if s.UserAgent == "" || strings.ContainsFunc(s.UserAgent, isControl) {
		r.add("sip.user_agent", ErrEnum, "%q: want a non-empty header value without control characters", s.UserAgent)
	}
	if len(s.Listen) == 0 && c.AudioHook.Listen == "" {
		r.add("sip.listen", ErrMissing, "nothing to record from: sip.listen and audiohook.listen are both empty")
	}
}

func (c *Config) validateMedia(r *report) {
	m := &c.Media
	if a, err := netip.ParseAddr(m.Address); err != nil {
		r.add("media.address", ErrAddress, "%q: want the IP address the SBC sends media to (it is advertised in SDP c=)", m.Address)
	} else if a.IsUnspecified() || a.IsMulticast() {
		r.add("media.address", ErrAddress, "%q: the address is advertised in SDP c= and must be one the SBC can reach", m.Address)
	}
	if _, err := ParsePortRange(m.Ports); err != nil {
		r.add("media.ports", ErrPorts, "%q: %v", m.Ports, err)
	}
	enum(r, "media.srtp", m.SRTP, SRTPAllow, SRTPRequire, SRTPOff)
	durationIn(r, "media.playout_delay", m.PlayoutDelay, 0, 2*time.Second)
}

func (c *Config) validateGate(r *report) {
	g := &c.Gate
	durationIn(r, "gate.match_timeout", g.MatchTimeout, time.Second, 24*time.Hour)
	enum(r, "gate.on_timeout", g.OnTimeout, OnTimeoutKeepInactive, OnTimeoutBye)
	durationIn(r, "gate.early_event_ttl", g.EarlyEventTTL, 0, 10*time.Minute)
	durationIn(r, "gate.end_grace", g.EndGrace, 0, 10*time.Minute)
	enum(r, "gate.hold", g.Hold, HoldPause, HoldInactive)
}

func (c *Config) validateAdmin(r *report) {
	if c.Admin.Listen == "" {
		return // disabled; cti.source api says so if it needs it
	}
	ap, err := netip.ParseAddrPort(c.Admin.Listen)
	switch {
	case err != nil:
		r.add("admin.listen", ErrAddress, "%q: want a loopback address and port, like 127.0.0.1:9090", c.Admin.Listen)
	case !ap.Addr().Unmap().IsLoopback():
		r.add("admin.listen", ErrNotLoopback, "%q: the admin API is loopback only (127.0.0.1 or [::1]); it has no authentication", c.Admin.Listen)
	}
}

// enum checks that v is one of words.
func enum(r *report, key, v string, words ...string) {
	for _, w := range words {
		if v == w {
			return
		}
	}
	r.add(key, ErrEnum, "%q: want %s", v, strings.Join(words, " | "))
}

// durationIn checks lo <= d <= hi.
func durationIn(r *report, key string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		r.add(key, ErrRange, "%s: want between %s and %s", d, lo, hi)
	}
}

// intIn checks lo <= n <= hi.
func intIn(r *report, key string, n, lo, hi int) {
	if n < lo || n > hi {
		r.add(key, ErrRange, "%d: want between %d and %d", n, lo, hi)
	}
}

// pairedFiles checks that a certificate comes with its key and back.
func pairedFiles(r *report, key string, t TLS) {
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		r.add(key+".key_file", ErrMissing, "%s.cert_file is set, its key_file is not", key)
	case t.CertFile == "" && t.KeyFile != "":
		r.add(key+".cert_file", ErrMissing, "%s.key_file is set, its cert_file is not", key)
	}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
