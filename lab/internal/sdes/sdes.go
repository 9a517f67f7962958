// Package sdes handles SDP Security Descriptions (RFC 4568, with the GCM
// suites of RFC 7714): suite names, a=crypto attributes and the SRTP
// contexts they key. It is shared by the lab's SBC (callgen) and its test SRS.
package sdes

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/srtp/v3"
)

// Suite is an SDES crypto-suite name as it appears in a=crypto.
type Suite string

// The suites cogito-edge supports (DESIGN §6).
const (
	AESCM128HMACSHA180 Suite = "AES_CM_128_HMAC_SHA1_80"
	AESCM128HMACSHA132 Suite = "AES_CM_128_HMAC_SHA1_32"
	AEADAES128GCM      Suite = "AEAD_AES_128_GCM"
	AEADAES256GCM      Suite = "AEAD_AES_256_GCM"
)

// ErrSuite is returned for a suite name this package does not support.
var ErrSuite = errors.New("sdes: unsupported crypto suite")

// ErrCrypto is returned for a malformed a=crypto value.
var ErrCrypto = errors.New("sdes: malformed a=crypto")

// Suites lists the supported suites, strongest first.
func Suites() []Suite {
	return []Suite{AEADAES256GCM, AEADAES128GCM, AESCM128HMACSHA180, AESCM128HMACSHA132}
}

// Profile returns the pion/srtp protection profile of the suite.
func (s Suite) Profile() (srtp.ProtectionProfile, error) {
	switch s {
	case AESCM128HMACSHA180:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case AESCM128HMACSHA132:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	case AEADAES128GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, nil
	case AEADAES256GCM:
		return srtp.ProtectionProfileAeadAes256Gcm, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrSuite, string(s))
}

// keySaltLen returns the master key and salt lengths of the suite.
func (s Suite) keySaltLen() (int, int, error) {
	p, err := s.Profile()
	if err != nil {
		return 0, 0, err
	}
	k, err := p.KeyLen()
	if err != nil {
		return 0, 0, err
	}
	salt, err := p.SaltLen()
	return k, salt, err
}

// Crypto is one a=crypto attribute: tag, suite and the inline master key
// and salt of the side that sends with it.
type Crypto struct {
	Tag   int
	Suite Suite
	Key   []byte
	Salt  []byte
}

// NewCrypto returns an attribute with a fresh random master key and salt.
func NewCrypto(tag int, s Suite) (Crypto, error) {
	kl, sl, err := s.keySaltLen()
	if err != nil {
		return Crypto{}, err
	}
	b := make([]byte, kl+sl)
	if _, err := rand.Read(b); err != nil {
		return Crypto{}, err
	}
	return Crypto{Tag: tag, Suite: s, Key: b[:kl], Salt: b[kl:]}, nil
}

// String returns the attribute value: "tag suite inline:base64(key||salt)".
func (c Crypto) String() string {
	return fmt.Sprintf("%d %s inline:%s", c.Tag, c.Suite,
		base64.StdEncoding.EncodeToString(append(append([]byte{}, c.Key...), c.Salt...)))
}

// ParseCrypto parses an a=crypto value. Lifetime and session parameters are
// ignored; an MKI is refused because nothing in the lab uses one.
func ParseCrypto(v string) (Crypto, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return Crypto{}, fmt.Errorf("%w: %q", ErrCrypto, v)
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 {
		return Crypto{}, fmt.Errorf("%w: tag %q", ErrCrypto, f[0])
	}
	s := Suite(f[1])
	kl, sl, err := s.keySaltLen()
	if err != nil {
		return Crypto{}, err
	}
	inline, ok := strings.CutPrefix(f[2], "inline:")
	if !ok {
		return Crypto{}, fmt.Errorf("%w: key method %q", ErrCrypto, f[2])
	}
	parts := strings.Split(inline, "|")
	if len(parts) > 2 {
		return Crypto{}, fmt.Errorf("%w: MKI not supported", ErrCrypto)
	}
	b, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		// Some SBCs drop the base64 padding.
		if b, err = base64.RawStdEncoding.DecodeString(parts[0]); err != nil {
			return Crypto{}, fmt.Errorf("%w: key: %w", ErrCrypto, err)
		}
	}
	if len(b) != kl+sl {
		return Crypto{}, fmt.Errorf("%w: %s wants %d key+salt bytes, got %d", ErrCrypto, s, kl+sl, len(b))
	}
	return Crypto{Tag: tag, Suite: s, Key: b[:kl], Salt: b[kl:]}, nil
}

// Context returns an SRTP context keyed with the attribute's master key
// and salt.
func (c Crypto) Context() (*srtp.Context, error) {
	p, err := c.Suite.Profile()
	if err != nil {
		return nil, err
	}
	return srtp.CreateContext(c.Key, c.Salt, p)
}
