package tunnel

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPublicKeyRFC7748(t *testing.T) {
	// RFC 7748 §6.1: Alice's and Bob's key pairs.
	tests := []struct{ name, priv, pub string }{
		{"alice", "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"},
		{"bob", "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var priv Key
			hex.Decode(priv[:], []byte(tc.priv))
			if got := hex.EncodeToString(func() []byte { k := PublicKey(priv); return k[:] }()); got != tc.pub {
				t.Fatalf("PublicKey = %s, want %s", got, tc.pub)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	seen := map[Key]bool{}
	for range 50 {
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		// Clamped as wg genkey stores it (RFC 7748 §5).
		if k[0]&7 != 0 || k[31]&128 != 0 || k[31]&64 == 0 {
			t.Fatalf("not clamped: %x", k)
		}
		if seen[k] {
			t.Fatal("GenerateKey repeated a key")
		}
		seen[k] = true
	}
	k, err := newKey(bytes.NewReader(bytes.Repeat([]byte{0xff}, 32)))
	if err != nil || k[0] != 0xf8 || k[31] != 0x7f {
		t.Fatalf("clamp of all ones: %x, %v", k, err)
	}
	if _, err := newKey(bytes.NewReader(nil)); err == nil {
		t.Fatal("no error on a short read")
	}
}

func TestParseKey(t *testing.T) {
	const good = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"wg format", good, true},
		{"key file newline", good + "\n", true},
		{"surrounding space", "  " + good + " \r\n", true},
		{"empty", "", false},
		{"31 bytes", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBg==", false},
		{"33 bytes", good[:43] + "AAAA", false},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(good), false},
		{"no padding", good[:43], false},
		{"hex", strings.Repeat("ab", 32), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseKey(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("ParseKey(%q) = %v", tc.in, err)
			}
			if !tc.ok && !errors.Is(err, ErrKey) {
				t.Fatalf("error %v is not ErrKey", err)
			}
			if tc.ok && k.String() != good {
				t.Fatalf("String() = %s", k)
			}
		})
	}
	var k Key
	if err := k.UnmarshalText([]byte(good)); err != nil {
		t.Fatal(err)
	}
	if b, _ := k.MarshalText(); string(b) != good {
		t.Fatalf("MarshalText = %s", b)
	}
}

// TestKeysMatchWg: byte-compatible with wg genkey and wg pubkey, both ways.
func TestKeysMatchWg(t *testing.T) {
	if _, err := exec.LookPath("wg"); err != nil {
		t.Fatal("wg is not installed: run `make deps` (scripts/deps.sh installs wireguard-tools)")
	}
	wg := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("wg", args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("wg %v: %v", args, err)
		}
		return string(out)
	}
	for range 5 {
		// wg's key, our public key.
		text := wg("", "genkey")
		priv, err := ParseKey(text)
		if err != nil {
			t.Fatalf("ParseKey(wg genkey %q): %v", text, err)
		}
		if priv.String()+"\n" != text {
			t.Fatalf("String() = %q, wg genkey printed %q", priv, text)
		}
		if want, got := wg(text, "pubkey"), PublicKey(priv).String()+"\n"; got != want {
			t.Fatalf("PublicKey = %q, wg pubkey = %q", got, want)
		}
		// Our key, wg's public key.
		ours, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if want, got := wg(ours.String()+"\n", "pubkey"), PublicKey(ours).String()+"\n"; got != want {
			t.Fatalf("PublicKey = %q, wg pubkey = %q", got, want)
		}
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	k := mustKey(t)
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // not subject to the umask
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		want error // nil: k
	}{
		{"mode 600", write("a", k.String()+"\n", 0o600), nil},
		{"mode 400", write("b", k.String(), 0o400), nil},
		{"group readable", write("c", k.String(), 0o640), ErrKeyFileMode},
		{"world readable", write("d", k.String(), 0o604), ErrKeyFileMode},
		{"group writable", write("e", k.String(), 0o620), ErrKeyFileMode},
		{"not a key", write("f", "hello\n", 0o600), ErrKey},
		{"a public key file is fine too", write("g", PublicKey(k).String(), 0o600), nil},
		{"missing", filepath.Join(dir, "none"), fs.ErrNotExist},
		{"directory", dir, ErrConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadKeyFile(tc.path)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("ReadKeyFile = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != k && got != PublicKey(k) {
				t.Fatalf("key %s", got)
			}
		})
	}
	// The message names the file and the fix.
	_, err := ReadKeyFile(filepath.Join(dir, "c"))
	if !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), "0640") {
		t.Errorf("message: %v", err)
	}
}
