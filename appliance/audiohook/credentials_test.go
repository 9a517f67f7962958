package audiohook

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseCredentials(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		keys int
		bad  bool
	}{
		{"two keys", "- {api_key: k1, client_secret: " + goldenSecret + "}\n- api_key: k2\n  client_secret: ''\n", 2, false},
		{"empty file", "", 0, false},
		{"empty list", "[]", 0, false},
		{"unknown key", "- {api_key: k1, client_secret: " + goldenSecret + ", extra: 1}\n", 0, true},
		{"secret not base64", "- {api_key: k1, client_secret: 'not base64!'}\n", 0, true},
		{"empty api key", "- {api_key: '', client_secret: " + goldenSecret + "}\n", 0, true},
		{"duplicate key", "- {api_key: k1, client_secret: ''}\n- {api_key: k1, client_secret: ''}\n", 0, true},
		{"not a list", "api_key: k1\n", 0, true},
	}
	for _, tc := range cases {
		set, err := ParseCredentials([]byte(tc.yaml))
		if tc.bad {
			if !errors.Is(err, ErrCredentials) {
				t.Errorf("%s: %v, want ErrCredentials", tc.name, err)
			}
			continue
		}
		if err != nil || len(set) != tc.keys {
			t.Errorf("%s: %d keys, %v", tc.name, len(set), err)
		}
	}
}

func TestCredentialErrorsDoNotQuoteSecrets(t *testing.T) {
	_, err := ParseCredentials([]byte("- {api_key: k1, client_secret: [SuperSecretValue]}\n"))
	if err == nil || strings.Contains(err.Error(), "SuperSecretValue") {
		t.Fatalf("error %v", err)
	}
}

func TestCredentialStoreReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audiohook.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("- {api_key: " + goldenAPIKey + ", client_secret: " + goldenSecret + "}\n")
	store, err := LoadCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	// The store drives a verifier: the golden vector verifies.
	v := newTestVerifier(t, newFakeClock(goldenNow()), nil, func(c *VerifierConfig) { c.Credentials = store })
	if _, err := v.Verify(goldenRequest()); err != nil {
		t.Fatalf("golden vector through the store: %v", err)
	}
	write("- {api_key: other, client_secret: ''}\n")
	if err := store.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Lookup(goldenAPIKey); ok || store.Len() != 1 {
		t.Fatal("reload kept the old key")
	}
	write("- {api_key: broken\n")
	if err := store.Reload(); !errors.Is(err, ErrCredentials) {
		t.Fatalf("bad file: %v", err)
	}
	if _, ok := store.Lookup("other"); !ok {
		t.Fatal("a bad file replaced the credentials in force")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := store.Reload(); !errors.Is(err, ErrCredentials) {
		t.Fatalf("missing file: %v", err)
	}
	if _, ok := store.Lookup("other"); !ok {
		t.Fatal("a missing file replaced the credentials in force")
	}
}

func TestReplayCacheBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newReplayCache(2)
	if err := c.add("a", now.Add(time.Second), now); err != nil {
		t.Fatal(err)
	}
	if err := c.add("b", now.Add(3*time.Second), now); err != nil {
		t.Fatal(err)
	}
	if err := c.add("a", now.Add(time.Second), now); !errors.Is(err, ErrNonceReused) {
		t.Fatalf("reuse: %v", err)
	}
	if err := c.add("c", now.Add(time.Second), now); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("full: %v", err)
	}
	later := now.Add(time.Second) // "a" expires
	if err := c.add("c", later.Add(time.Second), later); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if err := c.add("a", later.Add(time.Second), later.Add(3*time.Second)); err != nil {
		t.Fatalf("expired nonce reused: %v", err)
	}
	if n := c.len(later.Add(10 * time.Second)); n != 0 {
		t.Fatalf("%d live after all expired", n)
	}
}
