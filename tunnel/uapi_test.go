package tunnel

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseUAPI(t *testing.T) {
	ours, other := PublicKey(mustKey(t)), PublicKey(mustKey(t))
	h := func(k Key) string { return hex.EncodeToString(k[:]) }
	text := "private_key=" + strings.Repeat("11", 32) + "\nlisten_port=51820\n" +
		"public_key=" + h(other) + "\nendpoint=192.0.2.9:1\nlast_handshake_time_sec=99\nrx_bytes=7\n" +
		"public_key=" + h(ours) + "\nprotocol_version=1\nendpoint=[fd00::1]:51820\n" +
		"last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\ntx_bytes=1234\nrx_bytes=5678\n" +
		"persistent_keepalive_interval=25\nallowed_ip=10.99.0.1/32\n"
	tests := []struct {
		name string
		text string
		peer Key
		want peerState
		bad  bool
	}{
		{"our peer", text, ours, peerState{listenPort: 51820, found: true, endpoint: "[fd00::1]:51820",
			lastHandshake: time.Unix(1700000000, 5), rx: 5678, tx: 1234}, false},
		{"absent peer", text, PublicKey(mustKey(t)), peerState{listenPort: 51820}, false},
		{"no handshake", "listen_port=1\npublic_key=" + h(ours) + "\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n",
			ours, peerState{listenPort: 1, found: true}, false},
		{"bad number", "public_key=" + h(ours) + "\nrx_bytes=x\n", ours, peerState{}, true},
		{"bad port", "listen_port=70000\n", ours, peerState{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseUAPI(tc.text, tc.peer)
			if tc.bad {
				if err == nil {
					t.Fatalf("no error for %q", tc.text)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseUAPI = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestUAPIConfig(t *testing.T) {
	c := validConfig(t)
	c.Endpoint = "192.0.2.1:51820"
	c.ListenPort = 4000
	s, err := validate(c)
	if err != nil {
		t.Fatal(err)
	}
	got := s.uapiConfig(s.literal)
	for _, want := range []string{
		"private_key=" + hex.EncodeToString(s.priv[:]) + "\n",
		"listen_port=4000\nreplace_peers=true\npublic_key=" + hex.EncodeToString(c.PeerPublicKey[:]) + "\n",
		"endpoint=192.0.2.1:51820\npersistent_keepalive_interval=25\nreplace_allowed_ips=true\nallowed_ip=10.99.0.1/32\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("uapiConfig lacks %q:\n%s", want, got)
		}
	}
	if got := s.uapiConfig(netip.AddrPort{}); strings.Contains(got, "endpoint=") {
		t.Errorf("endpoint without one:\n%s", got)
	}
	if got, want := s.uapiEndpoint(netip.MustParseAddrPort("[fd00::1]:5")),
		"public_key="+hex.EncodeToString(c.PeerPublicKey[:])+"\nupdate_only=true\nendpoint=[fd00::1]:5\n"; got != want {
		t.Errorf("uapiEndpoint = %q", got)
	}
}
