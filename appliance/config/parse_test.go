package config

import (
	"errors"
	"strings"
	"testing"
)

// Every class of mistake gives exactly one error that names the file, the
// line and the dotted key, and wraps its sentinel.
func TestParseErrors(t *testing.T) {
	const tunnel = `
cloud:
  tunnel:
    private_key_file: /k
    address: 10.99.0.2/32
    peer: {public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=, endpoint: "h:1"}
`
	tests := map[string]struct {
		yaml   string
		want   error
		prefix string // the whole error starts with this
		msg    string // and contains this
	}{
		// Structure.
		"syntax":            {"sip:\n  listen: [\n", ErrSyntax, "edge.yaml:", "did not find"},
		"not a mapping":     {"- a\n- b\n", ErrSyntax, "edge.yaml:1: ", "must be a mapping"},
		"two documents":     {"sink: local\n---\nsink: cloud\n", ErrSyntax, "edge.yaml:2: ", "second YAML document"},
		"unknown top key":   {"sip: {}\nmedai: {}\n", ErrUnknownKey, "edge.yaml:2: medai: ", "known here: "},
		"unknown nested":    {"cloud:\n  tunnel:\n    peer:\n      keepalve: 25s\n", ErrUnknownKey, "edge.yaml:4: cloud.tunnel.peer.keepalve: ", "unknown key"},
		"unknown in flow":   {"sip: {tls: {cert_file: a, key_file: b, kee_file: c}}\n", ErrUnknownKey, "edge.yaml:1: sip.tls.kee_file: ", "unknown key"},
		"duplicate key":     {"sink: local\nsink: both\n", ErrDuplicate, "edge.yaml:2: sink: ", "first at line 1"},
		"merge key":         {"log: &a {level: info}\nadmin:\n  <<: *a\n", ErrUnknownKey, "edge.yaml:3: admin.<<: ", "merge keys"},
		"section is scalar": {"media: fast\n", ErrType, "edge.yaml:1: media: ", "want a mapping"},
		"list for scalar":   {"sink: [local]\n", ErrType, "edge.yaml:1: sink: ", "want a single value"},
		"scalar for list":   {"sip: {allow: 10.0.0.0/8}\n", ErrType, "edge.yaml:1: sip.allow: ", "want a list"},
		"null scalar":       {"media:\n  address:\n", ErrType, "edge.yaml:2: media.address: ", "has no value"},
		"text for int":      {"sip: {max_sessions: lots}\n", ErrType, "edge.yaml:1: sip.max_sessions: ", "not a whole number"},
		// Secrets.
		"inline client_secret": {"cti:\n  genesys:\n    client_secret: hunter2\n", ErrSecretInline, "edge.yaml:3: cti.genesys.client_secret: ", "client_secret_file"},
		"inline private_key":   {"cloud:\n  tunnel:\n    private_key: abc\n", ErrSecretInline, "edge.yaml:3: cloud.tunnel.private_key: ", "private_key_file"},
		"inline password":      {"sip:\n  password: x\n", ErrSecretInline, "edge.yaml:2: sip.password: ", "*_file"},
		"inline relay secret":  {"cloud: {relay: {client_secret: x}}\n", ErrSecretInline, "edge.yaml:1: cloud.relay.client_secret: ", ""},
		// Durations.
		"duration without unit": {"gate: {match_timeout: 60}\n", ErrType, "edge.yaml:1: gate.match_timeout: ", `"60" is not a duration`},
		"duration garbage":      {"gate:\n  end_grace: soon\n", ErrType, "edge.yaml:2: gate.end_grace: ", "30s"},
		"duration too short":    {"gate: {match_timeout: 0s}\n", ErrRange, "edge.yaml:1: gate.match_timeout: ", "want between 1s and 24h0m0s"},
		"duration negative":     {"drain_timeout: -1s\n", ErrRange, "edge.yaml:1: drain_timeout: ", ""},
		"frame not 20ms":        {"cloud: {relay: {frame: 30ms}}\n", ErrRange, "edge.yaml:1: cloud.relay.frame: ", "multiple of 20ms"},
		"keepalive fraction":    {"cloud: {tunnel: {peer: {keepalive: 1500ms}}}\n", ErrRange, "edge.yaml:1: cloud.tunnel.peer.keepalive: ", "whole seconds"},
		// Enums.
		"srtp":       {"media: {srtp: maybe}\n", ErrEnum, "edge.yaml:1: media.srtp: ", "allow | require | off"},
		"on_timeout": {"gate: {on_timeout: hangup}\n", ErrEnum, "edge.yaml:1: gate.on_timeout: ", "keep_inactive | bye"},
		"hold":       {"gate: {hold: mute}\n", ErrEnum, "edge.yaml:1: gate.hold: ", "pause | inactive"},
		"sink":       {"sink: s3\n", ErrEnum, "edge.yaml:1: sink: ", "cloud | local | both"},
		"log level":  {"log:\n  level: trace\n", ErrEnum, "edge.yaml:2: log.level: ", "debug | info | warn | error"},
		"log format": {"log: {format: xml}\n", ErrEnum, "edge.yaml:1: log.format: ", "json | text"},
		"cti source": {"cti: {source: \"api,phone\"}\n", ErrEnum, "edge.yaml:1: cti.source: ", `"phone"`},
		"cti twice":  {"cti: {source: \"api, api\"}\n", ErrEnum, "edge.yaml:1: cti.source: ", "given twice"},
		"cti empty":  {"cti: {source: \"\"}\n", ErrEnum, "edge.yaml:1: cti.source: ", "one or more"},
		"bad id":     {"appliance_id: \"dc 1\"\n", ErrEnum, "edge.yaml:1: appliance_id: ", ""},
		// Ranges.
		"max_sessions": {"sip: {max_sessions: 0}\n", ErrRange, "edge.yaml:1: sip.max_sessions: ", "between 1 and"},
		"mtu":          {"cloud: {tunnel: {mtu: 100}}\n", ErrRange, "edge.yaml:1: cloud.tunnel.mtu: ", ""},
		// Port ranges.
		"ports reversed":  {"media:\n  ports: \"29999-20000\"\n", ErrPorts, `edge.yaml:2: media.ports: "29999-20000": start must be below end`, ""},
		"ports odd start": {"media: {ports: 20001-20999}\n", ErrPorts, "edge.yaml:1: media.ports: ", "even"},
		"ports low":       {"media: {ports: 80-2000}\n", ErrPorts, "edge.yaml:1: media.ports: ", "1024-65535"},
		"ports high":      {"media: {ports: 60000-70000}\n", ErrPorts, "edge.yaml:1: media.ports: ", "1024-65535"},
		"ports few":       {"media: {ports: 20000-20005}\n", ErrPorts, "edge.yaml:1: media.ports: ", "at least 4"},
		"ports garbage":   {"media: {ports: lots}\n", ErrPorts, "edge.yaml:1: media.ports: ", "start-end"},
		// Addresses.
		"listen transport": {"sip:\n  listen: [\"sctp:0.0.0.0:5060\"]\n", ErrAddress, "edge.yaml:2: sip.listen[0]: ", "udp, tcp or tls"},
		"listen hostname":  {"sip:\n  listen:\n    - udp:0.0.0.0:5060\n    - tcp:sbc.example:5060\n", ErrAddress, "edge.yaml:4: sip.listen[1]: ", "IP address and port"},
		"listen port 0":    {"sip: {listen: [\"udp:10.0.0.1:0\"]}\n", ErrAddress, "edge.yaml:1: sip.listen[0]: ", "port 0"},
		"listen duplicate": {"sip: {listen: [\"tcp:127.0.0.1:5060\", \"tcp:127.0.0.1:5060\"]}\n", ErrDuplicate, "edge.yaml:1: sip.listen[1]: ", "sip.listen[0]"},
		"tls no cert":      {"sip: {listen: [\"tls:127.0.0.1:5061\"]}\n", ErrMissing, "edge.yaml:1: sip.listen: ", "sip.tls.cert_file"},
		"cert without key": {"sip:\n  tls:\n    cert_file: /c\n", ErrMissing, "edge.yaml:2: sip.tls.key_file: ", "cert_file is set"},
		"cidr garbage":     {"sip: {allow: [10.0.0.0/33]}\n", ErrAddress, "edge.yaml:1: sip.allow[0]: ", "CIDR"},
		"cidr host bits":   {"sip: {allow: [10.20.0.5/24]}\n", ErrAddress, "edge.yaml:1: sip.allow[0]: ", "10.20.0.0/24"},
		"media hostname":   {"media: {address: edge.example}\n", ErrAddress, "edge.yaml:1: media.address: ", "SDP"},
		"media any":        {"media: {address: \"::\"}\n", ErrAddress, "edge.yaml:1: media.address: ", "reach"},
		"admin public":     {"admin: {listen: 0.0.0.0:9090}\n", ErrNotLoopback, "edge.yaml:1: admin.listen: ", "loopback only"},
		"admin hostname":   {"admin: {listen: localhost:9090}\n", ErrAddress, "edge.yaml:1: admin.listen: ", "127.0.0.1:9090"},
		"control_url http": {"cloud: {control_url: \"http://10.99.0.1/\"}\n", ErrAddress, "edge.yaml:1: cloud.control_url: ", "ws"},
		"public key":       {"cloud: {tunnel: {peer: {public_key: abc}}}\n", ErrAddress, "edge.yaml:1: cloud.tunnel.peer.public_key: ", "32 bytes"},
		"endpoint":         {"cloud: {tunnel: {peer: {endpoint: nohost}}}\n", ErrAddress, "edge.yaml:1: cloud.tunnel.peer.endpoint: ", "host:port"},
		"authority":        {"audiohook: {listen: 127.0.0.1:8443, credentials_file: /c, public_authority: \"https://x/\"}\n", ErrAddress, "edge.yaml:1: audiohook.public_authority: ", ""},
		// Requirements between keys.
		"cloud source":      {"cti: {source: cloud}\n", ErrMissing, "edge.yaml:1: cti.source: ", `"cloud" needs cloud.control_url, cloud.tunnel.address`},
		"cloud no control":  {"cti: {source: cloud}\n" + tunnel, ErrMissing, "edge.yaml:1: cti.source: ", `"cloud" needs cloud.control_url`},
		"genesys source":    {"cti:\n  source: genesys\n  genesys: {region: usw2}\n", ErrMissing, "edge.yaml:2: cti.source: ", "cti.genesys.client_id, cti.genesys.client_secret_file"},
		"genesys no region": {"cti:\n  source: genesys\n  genesys: {client_id: c}\n", ErrMissing, "edge.yaml:2: cti.source: ", "cti.genesys.client_secret_file, cti.genesys.region"},
		"api without admin": {"admin: {listen: \"\"}\n", ErrMissing, "edge.yaml:", "set admin.listen"},
		"sink cloud":        {"sink: cloud\n" + tunnel, ErrMissing, "edge.yaml:1: sink: ", `"cloud" needs cloud.relay.api_key, cloud.relay.client_secret_file, cloud.relay.url`},
		"sink local no dir": {"recording: {dir: \"\"}\n", ErrMissing, "edge.yaml:1: recording.dir: ", ""},
		"audiohook creds":   {"audiohook: {listen: 127.0.0.1:8443}\n", ErrMissing, "edge.yaml:1: audiohook.listen: ", "credentials_file"},
		"nothing to record": {"sip: {listen: []}\n", ErrMissing, "edge.yaml:1: sip.listen: ", "nothing to record"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("edge.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error; config %v", c)
			}
			if c != nil {
				t.Error("config returned with an error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("err %T is not an *Error", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("want one error, got:\n%s", msg)
			}
			if !strings.HasPrefix(msg, tt.prefix) || !strings.Contains(msg, tt.msg) {
				t.Errorf("err = %q\nwant prefix %q containing %q", msg, tt.prefix, tt.msg)
			}
			if strings.Contains(msg, "hunter2") {
				t.Error("error echoes an inline secret")
			}
		})
	}
}

// All problems come back at once, one a line, in line order.
func TestParseJoinsErrors(t *testing.T) {
	const doc = `log: {level: loud}
media:
  ports: "29999-20000"
  playout_delay: 60
cti:
  genesys: {client_secret: x}
nonsense: 1
`
	_, err := Parse("edge.yaml", []byte(doc))
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`edge.yaml:1: log.level: `,
		`edge.yaml:3: media.ports: "29999-20000": start must be below end`,
		`edge.yaml:4: media.playout_delay: `,
		`edge.yaml:6: cti.genesys.client_secret: `,
		`edge.yaml:7: nonsense: `,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	for _, s := range []error{ErrEnum, ErrPorts, ErrType, ErrSecretInline, ErrUnknownKey} {
		if !errors.Is(err, s) {
			t.Errorf("joined error does not wrap %v", s)
		}
	}
}

// A config that did not come from a file still names the key.
func TestValidateWithoutFile(t *testing.T) {
	c := Default()
	c.Media.Ports = "1-2"
	c.Sink = "tape"
	err := c.Validate()
	want := "config: media.ports: \"1-2\": ports must be within 1024-65535 (the service has no capability for lower ports)\n" +
		"config: sink: \"tape\": want cloud | local | both"
	if err == nil || err.Error() != want {
		t.Fatalf("err =\n%v\nwant\n%s", err, want)
	}
}

func TestDurations(t *testing.T) {
	tests := map[string]string{
		"30s": "30s", "1m30s": "1m30s", "250ms": "250ms", "1h": "1h0m0s", "\"45s\"": "45s", "0s": "0s",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			c, err := Parse("edge.yaml", []byte("drain_timeout: "+in+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.DrainTimeout.String(); got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
		})
	}
}

// A base_url (the lab's Genesys simulator) replaces the region's hosts, so
// the region is not required with it.
func TestGenesysBaseURLNeedsNoRegion(t *testing.T) {
	const yaml = "cti:\n  source: genesys\n  genesys: {base_url: \"http://127.0.0.1:8081\", client_id: c, client_secret_file: /etc/cogito-edge/genesys.secret}\n"
	c, err := Parse("edge.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if c.CTI.Genesys.Region != "" || c.CTI.Genesys.BaseURL != "http://127.0.0.1:8081" {
		t.Fatalf("genesys %+v", c.CTI.Genesys)
	}
}
