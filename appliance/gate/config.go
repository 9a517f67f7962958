package gate

import (
	"fmt"
	"time"
)

// OnTimeout is what happens to a session when match_timeout passes with no
// CTI event.
type OnTimeout string

// Timeout policies (the gate.on_timeout config key).
const (
	// KeepInactive leaves the session registered and inactive: a late CTI
	// start still activates it. It costs a SIP dialog and a port pair.
	KeepInactive OnTimeout = "keep_inactive"
	// Bye ends the session with Leg.End("match-timeout").
	Bye OnTimeout = "bye"
)

// Defaults, as in DESIGN §3.
const (
	DefaultMatchTimeout   = 60 * time.Second
	DefaultEarlyEventTTL  = 30 * time.Second
	DefaultEndGrace       = 10 * time.Second
	DefaultMaxEarlyEvents = 10000
	DefaultLegTimeout     = 30 * time.Second
)

// Config holds the gate's timers and bounds. A zero field takes its default,
// so a zero Config is valid. All of it can change on SIGHUP (Reconfigure).
type Config struct {
	// MatchTimeout is how long a session may stay pending before it is unmatched.
	MatchTimeout time.Duration
	// OnTimeout is the policy for an unmatched session.
	OnTimeout OnTimeout
	// EarlyEventTTL is how long a CTI event that matched no session waits
	// for the session to be offered (DESIGN §5).
	EarlyEventTTL time.Duration
	// EndGrace is how long a session stays paused after a CTI end before it
	// is ended. A start within the grace (a transfer to another agent)
	// resumes the same recording.
	EndGrace time.Duration
	// MaxEarlyEvents bounds the early-event cache; the oldest event is
	// evicted when it is full.
	MaxEarlyEvents int
	// LegTimeout bounds each Leg call, so a stuck leg cannot wedge its
	// session's worker forever. A SIP re-INVITE with 491 back-off needs a
	// few seconds; the default leaves ample room.
	LegTimeout time.Duration
}

// DefaultConfig returns the defaults of DESIGN §3.
func DefaultConfig() Config {
	return Config{
		MatchTimeout:   DefaultMatchTimeout,
		OnTimeout:      KeepInactive,
		EarlyEventTTL:  DefaultEarlyEventTTL,
		EndGrace:       DefaultEndGrace,
		MaxEarlyEvents: DefaultMaxEarlyEvents,
		LegTimeout:     DefaultLegTimeout,
	}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MatchTimeout == 0 {
		c.MatchTimeout = d.MatchTimeout
	}
	if c.OnTimeout == "" {
		c.OnTimeout = d.OnTimeout
	}
	if c.EarlyEventTTL == 0 {
		c.EarlyEventTTL = d.EarlyEventTTL
	}
	if c.EndGrace == 0 {
		c.EndGrace = d.EndGrace
	}
	if c.MaxEarlyEvents == 0 {
		c.MaxEarlyEvents = d.MaxEarlyEvents
	}
	if c.LegTimeout == 0 {
		c.LegTimeout = d.LegTimeout
	}
	return c
}

// Validate checks c after filling defaults. The upper bounds catch unit
// mistakes (60000s for 60s) rather than encode policy.
func (c Config) Validate() error {
	c = c.withDefaults()
	checks := []struct {
		name     string
		v, limit time.Duration
	}{
		{"match_timeout", c.MatchTimeout, 24 * time.Hour},
		{"early_event_ttl", c.EarlyEventTTL, time.Hour},
		{"end_grace", c.EndGrace, time.Hour},
		{"leg_timeout", c.LegTimeout, 10 * time.Minute},
	}
	for _, ch := range checks {
		if ch.v < 0 || ch.v > ch.limit {
			return fmt.Errorf("%w: %s %v out of range (0, %v]", ErrConfig, ch.name, ch.v, ch.limit)
		}
	}
	switch c.OnTimeout {
	case KeepInactive, Bye:
	default:
		return fmt.Errorf("%w: on_timeout %q (want keep_inactive|bye)", ErrConfig, c.OnTimeout)
	}
	if c.MaxEarlyEvents < 0 || c.MaxEarlyEvents > 1_000_000 {
		return fmt.Errorf("%w: max early events %d out of range (0, 1000000]", ErrConfig, c.MaxEarlyEvents)
	}
	return nil
}
