package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Redacted returns the config as YAML, safe to log or print. The schema has
// no inline secrets (secrets are *_file paths, and a test keeps it so), so
// this prints paths and identifiers only; it exists so that callers have
// one name to reach for and a place to redact should that ever change.
func (c *Config) Redacted() string {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2) // as operators write edge.yaml
	if err := enc.Encode(c); err != nil {
		// Encoding plain strings, ints and durations cannot fail.
		return fmt.Sprintf("config: %v", err)
	}
	_ = enc.Close()
	return b.String()
}

// String is Redacted, so that %v of a config never leaks more than it.
func (c *Config) String() string { return c.Redacted() }

// Summary is one line for check-config and the start-up log: what the
// appliance will listen on and where calls go.
func (c *Config) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "appliance %s:", c.ID())
	if len(c.SIP.Listen) > 0 {
		fmt.Fprintf(&b, " sip %s (max %d sessions);", strings.Join(c.SIP.Listen, ","), c.SIP.MaxSessions)
	}
	media := c.Media.Address + " " + c.Media.Ports
	if pr, err := ParsePortRange(c.Media.Ports); err == nil {
		media += fmt.Sprintf(" (%d sessions)", pr.Sessions())
	}
	fmt.Fprintf(&b, " media %s srtp %s;", media, c.Media.SRTP)
	fmt.Fprintf(&b, " cti %s;", c.CTI.Source)
	fmt.Fprintf(&b, " sink %s", c.Sink)
	if c.Sink != SinkCloud {
		fmt.Fprintf(&b, " (%s)", c.Recording.Dir)
	}
	b.WriteString(";")
	if c.AudioHook.Listen != "" {
		fmt.Fprintf(&b, " audiohook %s;", c.AudioHook.Listen)
	}
	if c.Admin.Listen != "" {
		fmt.Fprintf(&b, " admin %s", c.Admin.Listen)
	} else {
		b.WriteString(" admin off")
	}
	return b.String()
}
