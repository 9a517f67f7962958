package ahlab

import (
	"crypto/tls"

	"github.com/cogito/cogito-edge/lab/internal/selfsigned"
)

// SelfSignedTLS returns a server TLS config with a fresh self-signed
// certificate for hosts (IP addresses or names), made in memory: for a
// lab ingest on wss://. Clients must skip verification or trust it.
func SelfSignedTLS(hosts ...string) (*tls.Config, error) {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	return selfsigned.ServerConfig(hosts...)
}
