package config

import (
	"os"
	"time"
)

// Default returns the configuration used when there is no config file: a
// working lab recorder on loopback (DESIGN §3). SIP on UDP and TCP
// 127.0.0.1:5060, media on 127.0.0.1 ports 20000-20999, CTI through the
// admin API on 127.0.0.1:9090, recordings in ./recordings.
//
// A config file overrides only the keys it sets, so these are also the
// defaults of every key a file leaves out. Timers and sizes of the cloud
// section are set too, so that a file naming only the cloud endpoints gets
// the documented MTU, keepalive, frame and buffer.
func Default() *Config {
	return &Config{
		SIP: SIP{
			Listen:      []string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"},
			MaxSessions: 2000,
			UserAgent:   "cogito-edge",
		},
		Media: Media{
			Address:      "127.0.0.1",
			Ports:        "20000-20999",
			SRTP:         SRTPAllow,
			PlayoutDelay: 60 * time.Millisecond,
		},
		Gate: Gate{
			MatchTimeout:  60 * time.Second,
			OnTimeout:     OnTimeoutKeepInactive,
			EarlyEventTTL: 30 * time.Second,
			EndGrace:      10 * time.Second,
			Hold:          HoldPause,
		},
		CTI: CTI{Source: SourceAPI},
		Cloud: Cloud{
			Tunnel: Tunnel{
				MTU:  1280,
				Peer: Peer{Keepalive: 25 * time.Second},
			},
			ControlGrace: 30 * time.Second,
			Relay: Relay{
				Frame:  100 * time.Millisecond,
				Buffer: 30 * time.Second,
			},
		},
		Sink:         SinkLocal,
		Recording:    Recording{Dir: "./recordings"},
		Admin:        Admin{Listen: "127.0.0.1:9090"},
		Log:          Log{Level: "info", Format: "json"},
		DrainTimeout: 30 * time.Second,
	}
}

// ID returns appliance_id, or the host name when it is empty, so that logs
// and the cloud always have a name for this appliance.
func (c *Config) ID() string {
	if c.ApplianceID != "" {
		return c.ApplianceID
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "cogito-edge"
}
