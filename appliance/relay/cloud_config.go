package relay

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/google/uuid"
)

// Defaults of a CloudConfig (DESIGN §3: cloud.relay.frame and buffer).
const (
	DefaultCloudFrame        = 100 * time.Millisecond
	DefaultCloudBuffer       = 30 * time.Second
	DefaultCloudCloseTimeout = 15 * time.Second
	DefaultCloudBackoffMin   = 250 * time.Millisecond
	DefaultCloudBackoffMax   = 3 * time.Second
	// DefaultCloudConnectTimeout bounds one connection attempt: dial,
	// upgrade and the wait for opened.
	DefaultCloudConnectTimeout = 15 * time.Second
)

// CloudConfig configures a CloudStore: the AudioHook client that streams
// each recording to the Cogito cloud (cloud.relay).
type CloudConfig struct {
	// URL is the cloud ingest, ws:// or wss:// (cloud.relay.url).
	URL string
	// APIKey is sent as X-API-KEY (cloud.relay.api_key).
	APIKey string
	// Secret is the decoded client secret that signs the upgrade
	// (ReadCloudSecret of cloud.relay.client_secret_file); empty sends
	// unsigned upgrades.
	Secret []byte
	// OrganizationID is the Audiohook-Organization-Id, a UUID. Empty: a
	// stable UUID derived from ApplianceID.
	OrganizationID string
	// ApplianceID names the appliance (appliance_id); it seeds the
	// organization id and the ids derived for sessions without keys.
	ApplianceID string
	// Frame is the audio batched into one binary frame (cloud.relay.frame,
	// a multiple of 20 ms). Zero: DefaultCloudFrame.
	Frame time.Duration
	// Buffer is the outage a recording survives without losing audio
	// (cloud.relay.buffer). The ring also keeps the audio sent but not yet
	// acknowledged, at most about two ping intervals, on top of it. Zero:
	// DefaultCloudBuffer.
	Buffer time.Duration
	// DialContext opens the TCP connection: the appliance passes the
	// tunnel's, so the relay reaches the cloud over WireGuard. Nil dials
	// directly.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is used for wss:// URLs.
	TLSConfig *tls.Config
	// CloseTimeout bounds Close: the wait to deliver the buffered audio
	// (reconnecting if need be) and for closed. Zero: the default.
	CloseTimeout time.Duration
	// BackoffMin and BackoffMax bound the jittered exponential backoff
	// between connection attempts; the first reconnect after a loss is
	// immediate.
	BackoffMin, BackoffMax time.Duration
	// ConnectTimeout bounds one connection attempt.
	ConnectTimeout time.Duration
	// PingInterval is the AudioHook ping cadence (default 5 s); the
	// server acknowledges audio with its pongs. FirstPing defaults to 1 s.
	PingInterval, FirstPing time.Duration
	// AudioHook holds the protocol's collectors, shared with the server
	// role; nil creates unregistered ones.
	AudioHook *audiohook.Metrics
}

// withDefaults validates c and fills in the defaults.
func (c CloudConfig) withDefaults() (CloudConfig, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return c, fmt.Errorf("%w: url %q: want ws:// or wss://host/path", ErrCloudConfig, c.URL)
	}
	if c.APIKey == "" {
		return c, fmt.Errorf("%w: no api key", ErrCloudConfig)
	}
	if c.OrganizationID == "" {
		c.OrganizationID = derivedUUID("organization", c.ApplianceID)
	}
	if !audiohook.IsUUID(c.OrganizationID) {
		return c, fmt.Errorf("%w: organization id %q is not a UUID", ErrCloudConfig, c.OrganizationID)
	}
	c.Frame = orDefault(c.Frame, DefaultCloudFrame)
	if c.Frame%(20*time.Millisecond) != 0 || c.Frame > time.Second {
		return c, fmt.Errorf("%w: frame %v: want a multiple of 20ms up to 1s", ErrCloudConfig, c.Frame)
	}
	c.Buffer = orDefault(c.Buffer, DefaultCloudBuffer)
	if c.Buffer < c.Frame {
		return c, fmt.Errorf("%w: buffer %v is shorter than a frame", ErrCloudConfig, c.Buffer)
	}
	c.CloseTimeout = orDefault(c.CloseTimeout, DefaultCloudCloseTimeout)
	c.BackoffMin = orDefault(c.BackoffMin, DefaultCloudBackoffMin)
	c.BackoffMax = max(orDefault(c.BackoffMax, DefaultCloudBackoffMax), c.BackoffMin)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, DefaultCloudConnectTimeout)
	c.PingInterval = orDefault(c.PingInterval, audiohook.DefaultPingInterval)
	c.FirstPing = orDefault(c.FirstPing, min(audiohook.DefaultFirstPing, c.PingInterval))
	return c, nil
}

// ringSamples is the ring's capacity per channel: the buffer, plus the
// audio the server may not have acknowledged yet (a pong answers the ping
// sent up to one interval earlier), plus a frame being batched.
func (c CloudConfig) ringSamples() int64 {
	return samplesIn(c.Buffer + 2*c.PingInterval + c.Frame)
}

// ReadCloudSecret reads cloud.relay.client_secret_file: the client secret
// as base64 text (surrounding white space ignored), decoded.
func ReadCloudSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("relay: client secret: %w", err)
	}
	s, err := audiohook.DecodeSecret(string(b))
	if err != nil {
		return nil, fmt.Errorf("relay: client secret %s: %w", path, err)
	}
	return s, nil
}

// derivedUUID returns a stable name-based UUID (version 8, SHA-256) for
// name in a namespace: the same appliance and session always get the same
// organization, conversation and participant ids.
func derivedUUID(namespace, name string) string {
	h := sha256.Sum256([]byte("cogito-edge/" + namespace + "\x00" + name))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return uuid.UUID(h[:16]).String()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// samplesIn converts a duration to samples per channel at 8 kHz.
func samplesIn(d time.Duration) int64 { return int64(d) * SampleRate / int64(time.Second) }

// durationOf converts samples per channel at 8 kHz to a duration (exact:
// a sample is 125 µs).
func durationOf(n int64) time.Duration { return time.Duration(n) * (time.Second / SampleRate) }
