package sdes

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pion/rtp"
)

func TestCryptoRoundTripAndKeysSRTP(t *testing.T) {
	for _, s := range Suites() {
		t.Run(string(s), func(t *testing.T) {
			c, err := NewCrypto(1, s)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseCrypto(c.String())
			if err != nil {
				t.Fatal(err)
			}
			if back.Tag != 1 || back.Suite != s || !bytes.Equal(back.Key, c.Key) || !bytes.Equal(back.Salt, c.Salt) {
				t.Fatalf("round trip: %+v vs %+v", back, c)
			}
			enc, err := c.Context()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := back.Context()
			if err != nil {
				t.Fatal(err)
			}
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 1, SSRC: 9}, Payload: []byte("audio")}
			raw, _ := pkt.Marshal()
			ct, err := enc.EncryptRTP(nil, raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := dec.DecryptRTP(nil, ct, nil)
			if err != nil || !bytes.Equal(pt, raw) {
				t.Fatalf("decrypt: %v", err)
			}
		})
	}
}

func TestParseCryptoRejects(t *testing.T) {
	tests := map[string]struct {
		in   string
		want error
	}{
		"too few fields": {"1 AES_CM_128_HMAC_SHA1_80", ErrCrypto},
		"bad tag":        {"x AES_CM_128_HMAC_SHA1_80 inline:AAAA", ErrCrypto},
		"unknown suite":  {"1 F8_128_HMAC_SHA1_80 inline:AAAA", ErrSuite},
		"not inline":     {"1 AES_CM_128_HMAC_SHA1_80 uri:x", ErrCrypto},
		"short key":      {"1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", ErrCrypto},
		"mki":            {"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4", ErrCrypto},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCrypto(tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// RFC 4568 §9.1 example key, with a lifetime parameter that must be ignored.
func TestParseCryptoRFCExample(t *testing.T) {
	c, err := ParseCrypto("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Key) != 16 || len(c.Salt) != 14 {
		t.Fatalf("key %d salt %d", len(c.Key), len(c.Salt))
	}
}
