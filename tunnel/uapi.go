package tunnel

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// wireguard-go is configured and read through its UAPI text protocol
// (https://www.wireguard.com/xplatform/): key=value lines, keys in hex.

// uapiConfig is the full device configuration: our key and port, and the
// one peer, replacing whatever was there.
func (s *settings) uapiConfig(ep netip.AddrPort) string {
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\n", hex.EncodeToString(s.priv[:]))
	fmt.Fprintf(&b, "listen_port=%d\n", s.ListenPort)
	b.WriteString("replace_peers=true\n")
	fmt.Fprintf(&b, "public_key=%s\n", hex.EncodeToString(s.PeerPublicKey[:]))
	if ep.IsValid() {
		fmt.Fprintf(&b, "endpoint=%s\n", ep)
	}
	fmt.Fprintf(&b, "persistent_keepalive_interval=%d\n", s.keepalive)
	b.WriteString("replace_allowed_ips=true\n")
	for _, p := range s.AllowedIPs {
		fmt.Fprintf(&b, "allowed_ip=%s\n", p.Masked())
	}
	return b.String()
}

// uapiEndpoint changes the peer's endpoint only.
func (s *settings) uapiEndpoint(ep netip.AddrPort) string {
	return fmt.Sprintf("public_key=%s\nupdate_only=true\nendpoint=%s\n",
		hex.EncodeToString(s.PeerPublicKey[:]), ep)
}

// peerState is what IpcGet says of the device and our peer.
type peerState struct {
	listenPort    uint16
	found         bool      // the peer is configured
	endpoint      string    // current endpoint, "" if none is known
	lastHandshake time.Time // zero if none completed
	rx, tx        uint64
}

// parseUAPI reads an IpcGet answer, keeping the device's port and the
// fields of the peer whose public key is peer. The private key in the
// answer is skipped, not kept.
func parseUAPI(text string, peer Key) (peerState, error) {
	var (
		st             peerState
		inPeer, inOurs bool
		secs, nsecs    int64
		peerHex        = hex.EncodeToString(peer[:])
		sc             = bufio.NewScanner(strings.NewReader(text))
	)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if key == "public_key" {
			inPeer, inOurs = true, val == peerHex
			st.found = st.found || inOurs
			continue
		}
		if !inPeer {
			if key == "listen_port" {
				p, err := strconv.ParseUint(val, 10, 16)
				if err != nil {
					return st, fmt.Errorf("tunnel: uapi: listen_port=%q", val)
				}
				st.listenPort = uint16(p)
			}
			continue
		}
		if !inOurs {
			continue
		}
		var err error
		switch key {
		case "endpoint":
			st.endpoint = val
		case "last_handshake_time_sec":
			secs, err = strconv.ParseInt(val, 10, 64)
		case "last_handshake_time_nsec":
			nsecs, err = strconv.ParseInt(val, 10, 64)
		case "rx_bytes":
			st.rx, err = strconv.ParseUint(val, 10, 64)
		case "tx_bytes":
			st.tx, err = strconv.ParseUint(val, 10, 64)
		}
		if err != nil {
			return st, fmt.Errorf("tunnel: uapi: %s=%q: %w", key, val, err)
		}
	}
	if secs != 0 || nsecs != 0 {
		st.lastHandshake = time.Unix(secs, nsecs)
	}
	return st, sc.Err()
}
