package cloudsim

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/lab/ahlab"
)

// Defaults of IngestConfig: DESIGN §3's cloud.relay.url is
// ws://10.99.0.1:7001/audiohook.
const (
	DefaultIngestPort = 7001
	DefaultIngestPath = ahlab.DefaultPath
	// DefaultRelayAPIKey is the API key the ingest accepts unless told
	// otherwise (the appliance's cloud.relay.api_key).
	DefaultRelayAPIKey = "cogito-lab-relay"
	// DefaultRelaySecretFile is the path the snippet gives for
	// cloud.relay.client_secret_file unless IngestConfig.SecretFile says
	// where the operator's copy is.
	DefaultRelaySecretFile = "/etc/cogito-edge/relay.secret"
	// relaySecretSize is the size of a generated client secret.
	relaySecretSize = 32
)

// IngestConfig configures the cloud's AudioHook ingest (lab/ahlab.Ingest)
// inside the tunnel: the server the appliance's relay streams to, writing
// each recording as stereo WAV + JSON.
type IngestConfig struct {
	// Dir is where ingested recordings go:
	// <Dir>/<YYYY-MM-DD>/<conversation>_<session>.wav and .json. Empty:
	// no ingest.
	Dir string
	// Port and Path make the relay URL,
	// ws://<Address>:<Port><Path>; default 7001 and /audiohook.
	Port uint16
	Path string
	// APIKey and Secret are the relay's credentials: cloud.relay.api_key
	// and the decoded content of cloud.relay.client_secret_file. Default
	// DefaultRelayAPIKey and a new random 32-byte secret (Sim.RelaySecret).
	APIKey string
	Secret []byte
	// SecretFile is the path the snippet names as
	// cloud.relay.client_secret_file (the simulator does not read it);
	// default DefaultRelaySecretFile.
	SecretFile string
	// Linger is how long a recording whose connection was lost waits for
	// the relay's continued session; default ahlab.DefaultLinger.
	Linger time.Duration
	// OnEvent, if set, is told about ingest sessions and recordings as
	// they happen. It must not block.
	OnEvent func(ahlab.Event)
}

// withDefaults validates c and fills its zero fields; controlPort is the
// port the ingest must not share.
func (c IngestConfig) withDefaults(controlPort uint16) (IngestConfig, error) {
	if c.Dir == "" {
		return c, nil
	}
	if c.Port == 0 {
		c.Port = DefaultIngestPort
	}
	if c.Port == controlPort {
		return c, fmt.Errorf("%w: the ingest and the control channel both on port %d", ErrConfig, c.Port)
	}
	if c.Path == "" {
		c.Path = DefaultIngestPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		return c, fmt.Errorf("%w: ingest path %q: want /path", ErrConfig, c.Path)
	}
	if c.APIKey == "" {
		c.APIKey = DefaultRelayAPIKey
	}
	if strings.ContainsFunc(c.APIKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return c, fmt.Errorf("%w: relay API key %q: no spaces or control characters", ErrConfig, c.APIKey)
	}
	if len(c.Secret) == 0 {
		c.Secret = NewRelaySecret()
	}
	if c.SecretFile == "" {
		c.SecretFile = DefaultRelaySecretFile
	}
	return c, nil
}

// NewRelaySecret returns a new random client secret for the relay.
func NewRelaySecret() []byte {
	b := make([]byte, relaySecretSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
