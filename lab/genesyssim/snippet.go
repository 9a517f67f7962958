package genesyssim

import (
	"fmt"
	"strings"
)

// Snippet is the appliance config (edge.yaml) that points a tracker at the
// simulator. secretFile is the file holding the client secret; when empty
// a placeholder is printed.
func (s *Sim) Snippet(secretFile string) string {
	if secretFile == "" {
		secretFile = "/path/to/genesys.secret   # holds the client secret"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cti:\n")
	fmt.Fprintf(&b, "  source: genesys\n")
	fmt.Fprintf(&b, "  genesys:\n")
	fmt.Fprintf(&b, "    region: usw2                  # ignored: base_url replaces the login and API hosts\n")
	fmt.Fprintf(&b, "    base_url: %s\n", s.URL())
	fmt.Fprintf(&b, "    client_id: %s\n", s.cfg.ClientID)
	fmt.Fprintf(&b, "    client_secret_file: %s\n", secretFile)
	return b.String()
}
