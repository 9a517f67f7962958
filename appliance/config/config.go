package config

import "time"

// Config is the whole edge.yaml. The yaml tags are the contract with
// operators (DESIGN §3): add keys freely, rename none.
//
// Obtain one from Default, Load or Parse; a Config built by hand must go
// through Validate before use.
type Config struct {
	// ApplianceID names this appliance in logs, metrics and to the cloud.
	// Empty means the host name (see ID).
	ApplianceID string `yaml:"appliance_id"`

	SIP       SIP       `yaml:"sip"`
	Media     Media     `yaml:"media"`
	Gate      Gate      `yaml:"gate"`
	CTI       CTI       `yaml:"cti"`
	Cloud     Cloud     `yaml:"cloud"`
	Sink      string    `yaml:"sink"` // cloud | local | both
	Recording Recording `yaml:"recording"`
	AudioHook AudioHook `yaml:"audiohook"`
	Admin     Admin     `yaml:"admin"`
	Log       Log       `yaml:"log"`

	// DrainTimeout bounds how long SIGTERM waits for live calls to end
	// before the appliance sends BYE.
	DrainTimeout time.Duration `yaml:"drain_timeout"`

	// src remembers where each key was written, so that Validate can name
	// the line. It is empty for Default and hand-built configs.
	src source
}

// SIP is the SIPREC recording server's user agent.
type SIP struct {
	// Listen holds "udp:host:port", "tcp:host:port" or "tls:host:port"
	// (IPv6 hosts in brackets). Empty disables SIP (AudioHook only).
	Listen []string `yaml:"listen"`
	TLS    TLS      `yaml:"tls"`
	// Allow lists the SBC addresses as CIDRs (a bare IP is a /32 or /128).
	// Empty allows loopback only, never everyone.
	Allow       []string `yaml:"allow"`
	MaxSessions int      `yaml:"max_sessions"`
	UserAgent   string   `yaml:"user_agent"`
}

// TLS names a certificate and its private key. The key file is a secret.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Media is RTP/SRTP reception.
type Media struct {
	// Address is both the bind address and the address advertised in SDP c=.
	Address string `yaml:"address"`
	// Ports is the inclusive UDP range "20000-29999"; each stream takes an
	// even RTP port and the odd RTCP port after it.
	Ports string `yaml:"ports"`
	SRTP  string `yaml:"srtp"` // allow | require | off
	// PlayoutDelay is the jitter buffer depth per leg.
	PlayoutDelay time.Duration `yaml:"playout_delay"`
}

// Gate is the session state machine and CTI matching.
type Gate struct {
	MatchTimeout  time.Duration `yaml:"match_timeout"`
	OnTimeout     string        `yaml:"on_timeout"` // keep_inactive | bye
	EarlyEventTTL time.Duration `yaml:"early_event_ttl"`
	// EndGrace keeps a session after a CTI end so late media and a final
	// metadata update still land in the recording.
	EndGrace time.Duration `yaml:"end_grace"`
	// Hold is what a CTI hold does: "pause" stops relaying while the SBC
	// keeps sending; "inactive" re-INVITEs the SBC with a=inactive.
	Hold string `yaml:"hold"`
}

// CTI selects where CTI events come from.
type CTI struct {
	// Source is one or more of cloud, genesys, api, comma-separated
	// ("cloud,api"); see Sources.
	Source  string  `yaml:"source"`
	Genesys Genesys `yaml:"genesys"`
}

// Genesys is the direct Genesys Cloud Notifications client.
type Genesys struct {
	Region           string `yaml:"region"` // usw2, us-west-2, mypurecloud.com, ...
	ClientID         string `yaml:"client_id"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// BaseURL overrides the login and API hosts (lab and tests only).
	BaseURL string `yaml:"base_url"`
	// UUIAttribute is the participant attribute read for the UUI when no
	// call leg carries uuiData; empty is ASAIUUI, "-" reads none.
	UUIAttribute string `yaml:"uui_attribute"`
}

// Cloud is the link to the Cogito cloud: the tunnel, the control channel
// and the audio relay.
type Cloud struct {
	Tunnel     Tunnel `yaml:"tunnel"`
	ControlURL string `yaml:"control_url"`
	// ControlGrace is how long the control channel may be down before the
	// appliance reports not ready (and OPTIONS answers 503).
	ControlGrace time.Duration `yaml:"control_grace"`
	Relay        Relay         `yaml:"relay"`
}

// Tunnel is the built-in WireGuard interface.
type Tunnel struct {
	PrivateKeyFile string `yaml:"private_key_file"`
	// Address is the tunnel address as a prefix ("10.99.0.2/32").
	Address string `yaml:"address"`
	MTU     int    `yaml:"mtu"`
	Peer    Peer   `yaml:"peer"`
}

// Peer is the cloud's WireGuard peer.
type Peer struct {
	PublicKey string `yaml:"public_key"` // base64, as wg pubkey prints it
	Endpoint  string `yaml:"endpoint"`   // host:port; the name is resolved by the tunnel
	// Keepalive is the persistent keepalive; 0 turns it off.
	Keepalive time.Duration `yaml:"keepalive"`
	// AllowedIPs empty means everything the appliance dials through the
	// tunnel goes to this, the only, peer.
	AllowedIPs []string `yaml:"allowed_ips"`
}

// Relay is the AudioHook client that streams recordings to the cloud.
type Relay struct {
	URL string `yaml:"url"`
	// APIKey identifies the appliance (x-api-key); it is not a secret, the
	// client secret that signs requests is.
	APIKey           string        `yaml:"api_key"`
	ClientSecretFile string        `yaml:"client_secret_file"`
	Frame            time.Duration `yaml:"frame"`
	// Buffer is how much audio is kept while the cloud is unreachable.
	Buffer time.Duration `yaml:"buffer"`
}

// Recording is the local recording sink.
type Recording struct {
	Dir string `yaml:"dir"`
}

// AudioHook is the server Genesys Cloud streams to. Empty Listen disables it.
type AudioHook struct {
	Listen string `yaml:"listen"`
	TLS    TLS    `yaml:"tls"`
	// CredentialsFile holds [{api_key: K, client_secret: BASE64}]; a secret.
	CredentialsFile string `yaml:"credentials_file"`
	// PublicAuthority is the host[:port] Genesys connects to, for the
	// @authority of request signatures behind a proxy. Empty: the Host header.
	PublicAuthority string `yaml:"public_authority"`
}

// Admin is the loopback admin API. Empty Listen disables it; port 0 picks
// a free port (tests).
type Admin struct {
	Listen string `yaml:"listen"`
}

// Log configures slog.
type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // json | text
}

// Words accepted by enum keys.
const (
	SinkCloud = "cloud"
	SinkLocal = "local"
	SinkBoth  = "both"

	SRTPAllow   = "allow"
	SRTPRequire = "require"
	SRTPOff     = "off"

	OnTimeoutKeepInactive = "keep_inactive"
	OnTimeoutBye          = "bye"

	HoldPause    = "pause"
	HoldInactive = "inactive"

	SourceCloud   = "cloud"
	SourceGenesys = "genesys"
	SourceAPI     = "api"
)
