package tunnel

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
)

// KeySize is the length of a WireGuard (X25519) key in bytes.
const KeySize = 32

// Key is a WireGuard private or public key. Its text form is that of
// wg(8): standard base64 of the 32 bytes, 44 characters.
type Key [KeySize]byte

// GenerateKey returns a new private key from crypto/rand, clamped as
// RFC 7748 §5 says and as `wg genkey` stores it.
func GenerateKey() (Key, error) {
	return newKey(rand.Reader)
}

// newKey reads a private key from rnd and clamps it.
func newKey(rnd io.Reader) (Key, error) {
	var k Key
	if _, err := io.ReadFull(rnd, k[:]); err != nil {
		return Key{}, fmt.Errorf("tunnel: generate key: %w", err)
	}
	k[0] &= 248
	k[31] = k[31]&127 | 64
	return k, nil
}

// PublicKey returns the public key of a private key, as `wg pubkey` does.
// The private key need not be clamped: X25519 clamps it anyway.
func PublicKey(priv Key) Key {
	// NewPrivateKey fails only on a length other than 32.
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		panic("tunnel: X25519 rejected a 32-byte key: " + err.Error())
	}
	var pub Key
	copy(pub[:], k.PublicKey().Bytes())
	return pub
}

// ParseKey decodes a key in the wg format, ignoring surrounding white space
// (the newline of a key file or of echo).
func ParseKey(s string) (Key, error) {
	var k Key
	if err := k.UnmarshalText([]byte(s)); err != nil {
		return Key{}, err
	}
	return k, nil
}

// String returns the key in the wg format. Mind that for a private key
// this is the secret itself: log public keys only.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// IsZero reports whether k is all zeros (unset).
func (k Key) IsZero() bool { return k == Key{} }

// MarshalText encodes the key in the wg format.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a key in the wg format, ignoring surrounding white
// space.
func (k *Key) UnmarshalText(text []byte) error {
	// DecodeString rather than Decode into k: Decode writes past a
	// destination too small for the input (44 characters can hold 33 bytes).
	b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil || len(b) != KeySize {
		return ErrKey
	}
	copy(k[:], b)
	return nil
}

// maxKeyFile bounds what is read of a key file: a key is 44 characters, and
// reading a little more catches a wrong file without reading a big one.
const maxKeyFile = 1024

// ReadKeyFile reads a private key file written by `wg genkey` (or
// `cogito-edge genkey`). It refuses a file that the group or others may
// access (ErrKeyFileMode) or that is not a regular file.
func ReadKeyFile(path string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Key{}, fmt.Errorf("tunnel: private key file: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is that of the
	// file read.
	fi, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("tunnel: private key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Key{}, fmt.Errorf("%w: %s: not a regular file", ErrConfig, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("%w: %s has mode %04o", ErrKeyFileMode, path, fi.Mode().Perm())
	}
	text, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return Key{}, fmt.Errorf("tunnel: private key file %s: %w", path, err)
	}
	k, err := ParseKey(string(text))
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
