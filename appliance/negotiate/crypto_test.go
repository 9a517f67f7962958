package negotiate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pion/srtp/v3"
)

// Keys of the testdata: bytes 1..n for key||salt.
const (
	key30 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e"
	key28 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHA=="
	key44 = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKyw="
)

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i + 1)
	}
	return b
}

func TestParseCrypto(t *testing.T) {
	tests := map[string]struct {
		line    string
		ok      bool
		tag     int
		profile srtp.ProtectionProfile
		keyLen  int
	}{
		"AES_CM_128_HMAC_SHA1_80":       {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30, true, 1, srtp.ProtectionProfileAes128CmHmacSha1_80, 16},
		"AES_CM_128_HMAC_SHA1_32":       {"2 AES_CM_128_HMAC_SHA1_32 inline:" + key30, true, 2, srtp.ProtectionProfileAes128CmHmacSha1_32, 16},
		"AEAD_AES_128_GCM":              {"3 AEAD_AES_128_GCM inline:" + key28, true, 3, srtp.ProtectionProfileAeadAes128Gcm, 16},
		"AEAD_AES_256_GCM":              {"4 AEAD_AES_256_GCM inline:" + key44, true, 4, srtp.ProtectionProfileAeadAes256Gcm, 32},
		"lifetime 2^31":                 {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31", true, 1, srtp.ProtectionProfileAes128CmHmacSha1_80, 16},
		"decimal lifetime":              {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1048576", true, 1, srtp.ProtectionProfileAes128CmHmacSha1_80, 16},
		"lower-case suite and method":   {"7 aes_cm_128_hmac_sha1_80 INLINE:" + key30, true, 7, srtp.ProtectionProfileAes128CmHmacSha1_80, 16},
		"unpadded base64":               {"1 AEAD_AES_128_GCM inline:" + strings.TrimRight(key28, "="), true, 1, srtp.ProtectionProfileAeadAes128Gcm, 16},
		"KDR=0 and WSH":                 {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=0 WSH=64", true, 1, srtp.ProtectionProfileAes128CmHmacSha1_80, 16},
		"optional param ignored":        {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " -FOO", true, 1, srtp.ProtectionProfileAes128CmHmacSha1_80, 16},
		"MKI":                           {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:1", false, 0, 0, 0},
		"lifetime then MKI":             {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31|1:4", false, 0, 0, 0},
		"two keys":                      {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20|1:4;inline:" + key30 + "|2^20|2:4", false, 0, 0, 0},
		"key too short for suite":       {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key28, false, 0, 0, 0},
		"key too long for suite":        {"1 AEAD_AES_128_GCM inline:" + key30, false, 0, 0, 0},
		"GCM-256 key given for GCM-128": {"1 AEAD_AES_128_GCM inline:" + key44, false, 0, 0, 0},
		"not base64":                    {"1 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64!!!", false, 0, 0, 0},
		"unsupported suite":             {"1 AES_256_CM_HMAC_SHA1_80 inline:" + key44, false, 0, 0, 0},
		"F8 suite":                      {"1 F8_128_HMAC_SHA1_80 inline:" + key30, false, 0, 0, 0},
		"KDR not 0":                     {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=1", false, 0, 0, 0},
		"UNENCRYPTED_SRTP":              {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNENCRYPTED_SRTP", false, 0, 0, 0},
		"UNAUTHENTICATED_SRTP":          {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNAUTHENTICATED_SRTP", false, 0, 0, 0},
		"tag not a number":              {"x AES_CM_128_HMAC_SHA1_80 inline:" + key30, false, 0, 0, 0},
		"tag too long":                  {"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + key30, false, 0, 0, 0},
		"no inline":                     {"1 AES_CM_128_HMAC_SHA1_80 " + key30, false, 0, 0, 0},
		"bad lifetime":                  {"1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^", false, 0, 0, 0},
		"too few fields":                {"1 AES_CM_128_HMAC_SHA1_80", false, 0, 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			k, ok := parseCrypto(tt.line)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			sl, _ := tt.profile.SaltLen()
			if k.Tag != tt.tag || k.Profile != tt.profile || len(k.Key) != tt.keyLen || len(k.Salt) != sl {
				t.Fatalf("got tag %d profile %v key %d salt %d", k.Tag, k.Profile, len(k.Key), len(k.Salt))
			}
			all := seq(tt.keyLen + sl)
			if !bytes.Equal(k.Key, all[:tt.keyLen]) || !bytes.Equal(k.Salt, all[tt.keyLen:]) {
				t.Error("key||salt split wrong")
			}
		})
	}
}

func TestNewSRTPKeyRoundTrip(t *testing.T) {
	for _, p := range []srtp.ProtectionProfile{
		srtp.ProtectionProfileAes128CmHmacSha1_80, srtp.ProtectionProfileAes128CmHmacSha1_32,
		srtp.ProtectionProfileAeadAes128Gcm, srtp.ProtectionProfileAeadAes256Gcm,
	} {
		t.Run(SuiteName(p), func(t *testing.T) {
			a, err := newSRTPKey(5, p)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := newSRTPKey(5, p)
			if bytes.Equal(a.Key, b.Key) {
				t.Fatal("two fresh keys are equal")
			}
			back, ok := parseCrypto(a.cryptoAttr())
			if !ok || !back.equal(a) {
				t.Fatalf("our a=crypto does not parse back: %v", ok)
			}
			// The media layer hands these to pion; prove they fit.
			if _, err := srtp.CreateContext(a.Key, a.Salt, a.Profile); err != nil {
				t.Fatalf("srtp.CreateContext: %v", err)
			}
		})
	}
	if _, err := newSRTPKey(1, srtp.ProtectionProfile(0x99)); err == nil {
		t.Error("unknown profile accepted")
	}
	if SuiteName(srtp.ProtectionProfileAes256CmHmacSha1_80) != "" {
		t.Error("a profile outside DESIGN §6 has a suite name")
	}
}
