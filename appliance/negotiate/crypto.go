package negotiate

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/srtp/v3"
)

// suiteProfile maps the RFC 4568 / RFC 7714 SDES suite names of DESIGN §6
// to pion protection profiles. Other suites (F8, AES_256_CM, NULL) are
// skipped like any crypto line we cannot use. A switch rather than a table
// keeps the package free of mutable globals.
func suiteProfile(name string) (srtp.ProtectionProfile, bool) {
	switch strings.ToUpper(name) {
	case "AES_CM_128_HMAC_SHA1_80":
		return srtp.ProtectionProfileAes128CmHmacSha1_80, true
	case "AES_CM_128_HMAC_SHA1_32":
		return srtp.ProtectionProfileAes128CmHmacSha1_32, true
	case "AEAD_AES_128_GCM":
		return srtp.ProtectionProfileAeadAes128Gcm, true
	case "AEAD_AES_256_GCM":
		return srtp.ProtectionProfileAeadAes256Gcm, true
	}
	return 0, false
}

// SuiteName returns the SDES crypto-suite name of a supported profile, or ""
// for a profile this package does not negotiate.
func SuiteName(p srtp.ProtectionProfile) string {
	switch p {
	case srtp.ProtectionProfileAes128CmHmacSha1_80:
		return "AES_CM_128_HMAC_SHA1_80"
	case srtp.ProtectionProfileAes128CmHmacSha1_32:
		return "AES_CM_128_HMAC_SHA1_32"
	case srtp.ProtectionProfileAeadAes128Gcm:
		return "AEAD_AES_128_GCM"
	case srtp.ProtectionProfileAeadAes256Gcm:
		return "AEAD_AES_256_GCM"
	}
	return ""
}

// SRTPKey is one side's SDES keying for one m-line: the a=crypto tag, the
// protection profile and the master key and salt. The media layer passes
// Key, Salt and Profile to srtp.CreateContext. The zero value means plain RTP.
type SRTPKey struct {
	Tag     int
	Profile srtp.ProtectionProfile
	Key     Secret
	Salt    Secret
}

// IsZero reports whether k carries no keying (plain RTP).
func (k SRTPKey) IsZero() bool { return k.Profile == 0 }

// String names the suite and tag; the key material is never printed.
func (k SRTPKey) String() string {
	if k.IsZero() {
		return "none"
	}
	return fmt.Sprintf("%d %s inline:%s", k.Tag, SuiteName(k.Profile), redacted)
}

// equal compares keying. It is not constant-time: it only tells the
// caller that a re-INVITE changed the key and never authenticates anyone.
func (k SRTPKey) equal(o SRTPKey) bool {
	return k.Tag == o.Tag && k.Profile == o.Profile &&
		string(k.Key) == string(o.Key) && string(k.Salt) == string(o.Salt)
}

// cryptoAttr renders the value of our a=crypto attribute. Lifetime and MKI
// are left out: the defaults (2^48 packets, no MKI) suit a recording.
func (k SRTPKey) cryptoAttr() string {
	buf := make([]byte, 0, len(k.Key)+len(k.Salt))
	buf = append(append(buf, k.Key...), k.Salt...)
	return strconv.Itoa(k.Tag) + " " + SuiteName(k.Profile) + " inline:" + base64.StdEncoding.EncodeToString(buf)
}

// newSRTPKey draws a fresh master key and salt for profile from crypto/rand.
// RFC 4568 section 6.1 has each side choose its own key for what it sends.
func newSRTPKey(tag int, p srtp.ProtectionProfile) (SRTPKey, error) {
	kl, err := p.KeyLen()
	if err != nil {
		return SRTPKey{}, err
	}
	sl, err := p.SaltLen()
	if err != nil {
		return SRTPKey{}, err
	}
	b := make([]byte, kl+sl)
	if _, err := rand.Read(b); err != nil {
		return SRTPKey{}, err
	}
	return SRTPKey{Tag: tag, Profile: p, Key: Secret(b[:kl:kl]), Salt: Secret(b[kl:])}, nil
}

// parseCrypto reads the value of one a=crypto attribute (RFC 4568 section
// 9.1): "<tag> <suite> inline:<key||salt>[|lifetime][|mki:len] [params]".
// It reports ok=false for a line we cannot use: an unknown suite, a key of
// the wrong length, several keys or an MKI (not supported: the SBC would
// expect us to pick keys by MKI), or session parameters that change how
// packets are protected. One bad line never fails the offer; the m-line is
// rejected only when no usable line remains.
func parseCrypto(v string) (SRTPKey, bool) {
	f := strings.Fields(v)
	if len(f) < 3 || len(f[0]) > 9 {
		return SRTPKey{}, false
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 {
		return SRTPKey{}, false
	}
	prof, ok := suiteProfile(f[1])
	if !ok {
		return SRTPKey{}, false
	}
	for _, p := range f[3:] {
		if !sessionParamOK(p) {
			return SRTPKey{}, false
		}
	}
	method, info, ok := strings.Cut(f[2], ":")
	if !ok || !strings.EqualFold(method, "inline") || strings.Contains(info, ";") {
		return SRTPKey{}, false
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return SRTPKey{}, false
	}
	for _, p := range parts[1:] {
		if strings.Contains(p, ":") || !lifetimeOK(p) {
			return SRTPKey{}, false
		}
	}
	raw, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		// Some SBCs drop the padding; the length check below still holds.
		if raw, err = base64.RawStdEncoding.DecodeString(parts[0]); err != nil {
			return SRTPKey{}, false
		}
	}
	kl, _ := prof.KeyLen()
	sl, _ := prof.SaltLen()
	if len(raw) != kl+sl {
		return SRTPKey{}, false
	}
	return SRTPKey{Tag: tag, Profile: prof, Key: Secret(raw[:kl:kl]), Salt: Secret(raw[kl:])}, true
}

// lifetimeOK accepts "2^31" and "1048576" forms. We do not enforce the
// lifetime: a recording ends long before 2^31 packets.
func lifetimeOK(s string) bool {
	s = strings.TrimPrefix(s, "2^")
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sessionParamOK reports whether we can honour an RFC 4568 session
// parameter. Parameters that weaken protection or need a key derivation
// rate would make pion decrypt differently from the SBC, so such a line is
// unusable; window size and FEC hints do not change decryption.
func sessionParamOK(p string) bool {
	if strings.HasPrefix(p, "-") { // RFC 4568 section 6.3.7: optional, may be ignored
		return true
	}
	name, val, _ := strings.Cut(p, "=")
	switch strings.ToUpper(name) {
	case "WSH", "FEC_ORDER", "FEC_KEY":
		return true
	case "KDR":
		return val == "0"
	}
	return false
}
