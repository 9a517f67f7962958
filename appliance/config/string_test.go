package config

import (
	"reflect"
	"strings"
	"testing"
)

// The schema holds no inline secrets: any key that sounds like one must be
// a *_file path. This is what makes Redacted safe.
func TestSchemaHasNoInlineSecrets(t *testing.T) {
	for key := range flatten(Default()) {
		name := key[strings.LastIndex(key, ".")+1:]
		if looksSecret(name) {
			t.Errorf("%s looks like an inline secret; make it %s_file", key, name)
		}
	}
}

func TestRedactedRoundTrip(t *testing.T) {
	path, _ := writeExample(t)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out := c.String()
	if out != c.Redacted() {
		t.Fatal("String differs from Redacted")
	}
	for _, want := range []string{"client_secret_file: ", "private_key_file: ", "api_key: edge-dc1-01", "match_timeout: 1m30s"} {
		if !strings.Contains(out, want) {
			t.Errorf("Redacted lacks %q:\n%s", want, out)
		}
	}
	back, err := Parse("redacted.yaml", []byte(out))
	if err != nil {
		t.Fatalf("Redacted output does not parse: %v", err)
	}
	if !reflect.DeepEqual(flatten(back), flatten(c)) {
		t.Fatal("Redacted output does not round-trip")
	}
}

func TestSummary(t *testing.T) {
	got := Default().Summary()
	for _, want := range []string{"sip udp:127.0.0.1:5060,tcp:127.0.0.1:5060", "media 127.0.0.1 20000-20999 (250 sessions)", "cti api", "sink local (./recordings)", "admin 127.0.0.1:9090"} {
		if !strings.Contains(got, want) {
			t.Errorf("Summary %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "\n") {
		t.Error("Summary is more than one line")
	}
}

func TestWarnings(t *testing.T) {
	c, err := Parse("edge.yaml", []byte(`sip:
  listen: ["udp:0.0.0.0:506"]
  allow: [0.0.0.0/0]
  max_sessions: 10
media: {ports: "20000-20999"}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Warnings(), "\n")
	want := "edge.yaml:2: sip.listen[0]: \"udp:0.0.0.0:506\": port below 1024 needs a capability the packaged service does not have\n" +
		"edge.yaml:3: sip.allow[0]: \"0.0.0.0/0\" accepts SIP from anywhere"
	if got != want {
		t.Fatalf("warnings:\n%s\nwant:\n%s", got, want)
	}
	if w := Default().Warnings(); len(w) != 0 {
		t.Fatalf("the defaults warn: %q", w)
	}
	c, err = Parse("edge.yaml", []byte("media: {ports: 20000-20099}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want = `edge.yaml:1: media.ports: "20000-20099" holds 50 port pairs, 25 two-leg sessions, below sip.max_sessions 2000; calls beyond it get 503`
	if w := c.Warnings(); len(w) != 1 || w[0] != want {
		t.Fatalf("capacity warning = %q", w)
	}
}
