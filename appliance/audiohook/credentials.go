package audiohook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"gopkg.in/yaml.v3"
)

// SecretLookup resolves an API key to its client secret (decoded). ok is
// false for an unknown key; a known key with an empty secret accepts
// unsigned upgrades (Genesys makes the client secret optional).
type SecretLookup interface {
	Lookup(apiKey string) (secret []byte, ok bool)
}

// StaticCredentials is a fixed SecretLookup: API key to decoded secret.
type StaticCredentials map[string][]byte

// Lookup implements SecretLookup.
func (c StaticCredentials) Lookup(apiKey string) ([]byte, bool) {
	s, ok := c[apiKey]
	return s, ok
}

// CredentialStore is the audiohook.credentials_file: a YAML list of
// {api_key: K, client_secret: BASE64}. Reload swaps in a new set
// atomically; lookups never block.
type CredentialStore struct {
	path string
	set  atomic.Pointer[StaticCredentials]
}

// credentialEntry is one entry of the file.
type credentialEntry struct {
	APIKey       string `yaml:"api_key"`
	ClientSecret string `yaml:"client_secret"`
}

// LoadCredentials reads the credentials file at path.
func LoadCredentials(path string) (*CredentialStore, error) {
	s := &CredentialStore{path: path}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload re-reads the file (on SIGHUP). On any error the previous set stays
// in force and the error says why.
func (s *CredentialStore) Reload() error {
	b, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	set, err := ParseCredentials(b)
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	s.set.Store(&set)
	return nil
}

// Lookup implements SecretLookup.
func (s *CredentialStore) Lookup(apiKey string) ([]byte, bool) {
	set := s.set.Load()
	if set == nil {
		return nil, false
	}
	return set.Lookup(apiKey)
}

// Len returns the number of API keys in force.
func (s *CredentialStore) Len() int {
	if set := s.set.Load(); set != nil {
		return len(*set)
	}
	return 0
}

// ParseCredentials parses the credentials YAML strictly: a list of
// entries, unknown keys refused, every api_key non-empty and unique, every
// client_secret base64 (empty allowed: unsigned upgrades for that key).
func ParseCredentials(b []byte) (StaticCredentials, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var entries []credentialEntry
	if err := dec.Decode(&entries); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s", ErrCredentials, yamlErrorText(err))
	}
	set := make(StaticCredentials, len(entries))
	for i, e := range entries {
		if e.APIKey == "" {
			return nil, fmt.Errorf("%w: entry %d: empty api_key", ErrCredentials, i+1)
		}
		if _, dup := set[e.APIKey]; dup {
			return nil, fmt.Errorf("%w: entry %d: api_key listed twice", ErrCredentials, i+1)
		}
		secret, err := DecodeSecret(e.ClientSecret)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		set[e.APIKey] = secret
	}
	return set, nil
}

// yamlErrorText describes a YAML error without quoting values: a type
// error would otherwise print the secret it could not decode.
func yamlErrorText(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	out := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if where, _, found := strings.Cut(e, " cannot unmarshal"); found {
			e = where + " wrong type (want a list of {api_key, client_secret} strings)"
		}
		out = append(out, e)
	}
	return strings.Join(out, "; ")
}
