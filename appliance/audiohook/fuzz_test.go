package audiohook

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParseMessage: Unmarshal never panics, fails only with its sentinels,
// and what it accepts re-encodes to a message that parses to the same value.
func FuzzParseMessage(f *testing.F) {
	for _, m := range sampleMessages() {
		b, err := Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		// Shapes seen from Genesys: the connection probe and its close.
		`{"version":"2","id":"62780b08-3a9d-43b0-9d74-4aa5745fa633","type":"open","seq":1,"position":"PT0S","serverseq":0,"parameters":{"organizationId":"aec04f7c-8108-4e07-a9d6-67a8d5df7b3e","conversationId":"00000000-0000-0000-0000-000000000000","participant":{"id":"00000000-0000-0000-0000-000000000000","ani":"","aniName":"","dnis":""},"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000},{"type":"audio","format":"PCMU","channels":["external"],"rate":8000},{"type":"audio","format":"PCMU","channels":["internal"],"rate":8000}]}}`,
		`{"version":"2","type":"opened","seq":1,"clientseq":1,"id":"9aba9a07-8dd5-4654-974a-44075c3d2ba5","parameters":{"startPaused":false,"media":[{"type":"audio","format":"PCMU","channels":["internal"],"rate":8000}]}}`,
		`{"version":"2","id":"9aba9a07-8dd5-4654-974a-44075c3d2ba5","type":"error","seq":3,"position":"PT0S","parameters":{"code":400,"message":"Connection probe error: Message is malformed"},"serverseq":1}`,
		`{"version":"2","id":"9aba9a07-8dd5-4654-974a-44075c3d2ba5","type":"ping","seq":2,"serverseq":1,"position":"PT0.30000000000000004S","parameters":{"rtt":"PT0.012S"}}`,
		`{"version":"2","id":"9aba9a07-8dd5-4654-974a-44075c3d2ba5","type":"close","seq":2,"serverseq":1,"position":"PT6.3S","parameters":{"reason":"end"}}`,
		`{}`, `[]`, `null`, `{"version":"2"}`, `{"seq":1e400}`,
	} {
		f.Add([]byte(s))
	}
	sentinels := []error{ErrMalformed, ErrTooLarge, ErrVersion, ErrUnknownType, ErrMissingID, ErrBadID,
		ErrBadSeq, ErrBadPosition, ErrBadParameters}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Unmarshal(data)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		b, err := Marshal(m)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode: %v", data, err)
		}
		again, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("re-encoded %s does not parse: %v", b, err)
		}
		b2, err := Marshal(again)
		if err != nil || string(b2) != string(b) {
			t.Fatalf("encoding not stable:\n%s\n%s", b, b2)
		}
		if !reflect.DeepEqual(normalize(m), normalize(again)) {
			t.Fatalf("round trip changed the message:\n%#v\n%#v", m, again)
		}
	})
}

// normalize clears what JSON does not keep apart: nil and empty slices.
func normalize(m *Message) *Message {
	c := *m
	if p, ok := c.Params.(*OpenedParameters); ok && len(p.Media) == 0 {
		q := *p
		q.Media = nil
		c.Params = &q
	}
	if p, ok := c.Params.(*OpenParameters); ok && len(p.Media) == 0 {
		q := *p
		q.Media = nil
		c.Params = &q
	}
	return &c
}

// FuzzParseSignatureInput: the structured-field parser never panics, and a
// dictionary it accepts serializes to a form it parses back identically.
func FuzzParseSignatureInput(f *testing.F) {
	for _, s := range []string{
		goldenInput, goldenSignature,
		`sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"`,
		`sig1=("@request-target" "x-api-key");keyid="k";nonce="n";alg="hmac-sha256";created=1;expires=2, sig2=();tag="t"`,
		`a=1, b=?0, c=:AAEC:, d=tok/en:x, e=-1.5;p, f=("x";q=1 "y")`,
		`sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:;x`,
		``, `sig1`, `sig1=(`, `sig1="\"`, `sig1=:@@:`, `A=1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDictionary(s)
		if err != nil {
			if !errors.Is(err, errSF) {
				t.Fatalf("error %v is not a syntax error", err)
			}
			return
		}
		out := serializeDictionary(d)
		again, err := parseDictionary(out)
		if err != nil {
			t.Fatalf("%q serialized to %q which does not parse: %v", s, out, err)
		}
		if out2 := serializeDictionary(again); out2 != out {
			t.Fatalf("serialization not stable: %q then %q", out, out2)
		}
		// The signature headers built on it never panic either.
		if p, err := parseSignature(s, goldenSignature); err == nil && p.mac == nil {
			t.Fatal("parsed a signature without its MAC")
		}
	})
}

// FuzzParseSignature fuzzes the Signature header against a fixed input.
func FuzzParseSignature(f *testing.F) {
	f.Add(goldenSignature)
	f.Add(`sig1=:AAAA:, sig2=:BBBB:`)
	f.Add(`sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4:`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseSignature(goldenInput, s)
		if err != nil {
			if !errors.Is(err, ErrSignatureSyntax) {
				t.Fatalf("error %v is not ErrSignatureSyntax", err)
			}
			return
		}
		if p.label != "sig1" || p.mac == nil || p.keyID != goldenAPIKey {
			t.Fatalf("parsed %+v", p)
		}
	})
}
