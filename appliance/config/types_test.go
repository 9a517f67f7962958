package config

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func TestListeners(t *testing.T) {
	s := SIP{Listen: []string{"udp:0.0.0.0:5060", "tls:[::]:5061"}}
	got, err := s.Listeners()
	if err != nil {
		t.Fatal(err)
	}
	want := []Listen{
		{Network: "udp", Addr: netip.MustParseAddrPort("0.0.0.0:5060")},
		{Network: "tls", Addr: netip.MustParseAddrPort("[::]:5061")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got[1].String() != "tls:[::]:5061" {
		t.Fatalf("String = %s", got[1])
	}
	if _, err := (SIP{Listen: []string{"udp5060"}}).Listeners(); !errors.Is(err, ErrAddress) {
		t.Fatalf("err = %v", err)
	}
}

func TestPortRange(t *testing.T) {
	tests := map[string]struct {
		in       string
		pairs    int
		sessions int
		ok       bool
	}{
		"default":    {"20000-20999", 500, 250, true},
		"design":     {"20000-29999", 5000, 2500, true},
		"odd end":    {"20000-20008", 4, 2, true},
		"spaces":     {"20000 - 20099", 50, 25, true},
		"full range": {"1024-65535", 32256, 16128, true},
		"too small":  {"20000-20006", 0, 0, false},
		"one port":   {"20000", 0, 0, false},
		"negative":   {"-5-100", 0, 0, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := Media{Ports: tt.in}.PortRange()
			if !tt.ok {
				if !errors.Is(err, ErrPorts) {
					t.Fatalf("err = %v, want ErrPorts", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Pairs() != tt.pairs || p.Sessions() != tt.sessions {
				t.Fatalf("%v: pairs %d sessions %d, want %d %d", p, p.Pairs(), p.Sessions(), tt.pairs, tt.sessions)
			}
		})
	}
}

func TestAllowList(t *testing.T) {
	tests := map[string]struct {
		allow []string
		addr  string
		want  bool
	}{
		"empty is loopback v4":   {nil, "127.0.0.1", true},
		"empty is loopback v6":   {nil, "::1", true},
		"empty refuses others":   {nil, "10.20.0.5", false},
		"inside cidr":            {[]string{"10.20.0.0/24"}, "10.20.0.5", true},
		"outside cidr":           {[]string{"10.20.0.0/24"}, "10.20.1.5", false},
		"v4-mapped v6 peer":      {[]string{"10.20.0.0/24"}, "::ffff:10.20.0.5", true},
		"bare ip is a host":      {[]string{"10.20.0.7"}, "10.20.0.7", true},
		"bare ip only that host": {[]string{"10.20.0.7"}, "10.20.0.8", false},
		"set list drops lo":      {[]string{"10.20.0.0/24"}, "127.0.0.1", false},
		"v6 cidr":                {[]string{"2001:db8::/32"}, "2001:db8::1", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := SIP{Allow: tt.allow}.AllowList()
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Allowed(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Fatalf("Allowed(%s) = %v", tt.addr, got)
			}
		})
	}
	if _, err := (SIP{Allow: []string{"nope"}}).AllowList(); !errors.Is(err, ErrAddress) {
		t.Fatalf("err = %v", err)
	}
}

func TestSources(t *testing.T) {
	s, err := CTI{Source: " cloud , api"}.Sources()
	if err != nil {
		t.Fatal(err)
	}
	if !s.Has("api") || !s.Has("cloud") || s.Has("genesys") || s.String() != "api,cloud" {
		t.Fatalf("sources = %v", s)
	}
	for _, bad := range []string{"", "cloud,", "sms", "api,api"} {
		if _, err := (CTI{Source: bad}).Sources(); !errors.Is(err, ErrEnum) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestCloudHelpers(t *testing.T) {
	p, err := Tunnel{Address: "10.99.0.2"}.Prefix()
	if err != nil || p != netip.MustParsePrefix("10.99.0.2/32") {
		t.Fatalf("Prefix = %v, %v", p, err)
	}
	k, err := Peer{PublicKey: "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="}.Key()
	if err != nil || k[0] != 0x85 || k[31] != 0x6a {
		t.Fatalf("Key = %x, %v", k, err)
	}
	if _, err := (Peer{PublicKey: "AAAA"}).Key(); !errors.Is(err, ErrAddress) {
		t.Fatalf("short key: %v", err)
	}
	all, err := Peer{}.AllowedPrefixes()
	if err != nil || len(all) != 2 || all[0].Bits() != 0 {
		t.Fatalf("AllowedPrefixes = %v, %v", all, err)
	}
}
