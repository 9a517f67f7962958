package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/cogito/cogito-edge/tunnel"
)

func b64(t *testing.T, hexKey string) string {
	t.Helper()
	b, err := hex.DecodeString(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Vectors: RFC 7748 §6.1 (Alice and Bob), and the §5.2 scalar, whose public
// key on the base point was checked against wg pubkey (the §5.2 output
// e6db68... is a u-coordinate input, not this key's public key). The RFC
// private keys are not clamped; pubkey accepts them, as wg pubkey does.
func TestPubkeyVectors(t *testing.T) {
	tests := map[string]struct{ priv, pub string }{
		"rfc7748 alice": {"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"},
		"rfc7748 bob":   {"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"},
		"rfc7748 5.2":   {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", "1c9fd88f45606d932a80c71824ae151d15d73e77de38e8e000852e614fae7019"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for _, in := range []string{b64(t, tt.priv), b64(t, tt.priv) + "\n", "  " + b64(t, tt.priv) + "\r\n\n"} {
				code, out, errs := cli(t, t.Context(), in, "pubkey")
				if code != exitOK || out != b64(t, tt.pub)+"\n" {
					t.Fatalf("pubkey(%q) = %d %q %q, want %s", in, code, out, errs, b64(t, tt.pub))
				}
			}
		})
	}
}

func TestPubkeyRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"not base64":   "this is not a key",
		"short":        base64.StdEncoding.EncodeToString(make([]byte, 31)),
		"long":         base64.StdEncoding.EncodeToString(make([]byte, 33)),
		"two keys":     b64(t, strings.Repeat("11", 32)) + "\n" + b64(t, strings.Repeat("22", 32)),
		"url encoding": base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)),
		"huge":         strings.Repeat("A", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errs := cli(t, t.Context(), in, "pubkey")
			if code != exitUsage || out != "" || !strings.Contains(errs, "not a WireGuard key") {
				t.Fatalf("got %d %q %q", code, out, errs)
			}
		})
	}
}

func TestGenkey(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		code, out, _ := cli(t, t.Context(), "", "genkey")
		if code != exitOK || len(out) != 45 || out[44] != '\n' {
			t.Fatalf("genkey = %d %q", code, out)
		}
		k, err := tunnel.ParseKey(out)
		if err != nil {
			t.Fatal(err)
		}
		// Clamped as wg genkey stores it (RFC 7748 §5).
		if k[0]&7 != 0 || k[31]&128 != 0 || k[31]&64 == 0 {
			t.Fatalf("not clamped: %x", k)
		}
		if seen[out] {
			t.Fatal("genkey repeated a key")
		}
		seen[out] = true
		// And pubkey takes it.
		if code, _, errs := cli(t, t.Context(), out, "pubkey"); code != exitOK {
			t.Fatalf("pubkey of genkey: %s", errs)
		}
	}
}
