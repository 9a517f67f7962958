package media

import (
	"testing"
	"time"

	"github.com/pion/srtp/v3"
)

var srtpProfiles = map[string]srtp.ProtectionProfile{
	"AES_CM_128_HMAC_SHA1_80": srtp.ProtectionProfileAes128CmHmacSha1_80,
	"AES_CM_128_HMAC_SHA1_32": srtp.ProtectionProfileAes128CmHmacSha1_32,
	"AEAD_AES_128_GCM":        srtp.ProtectionProfileAeadAes128Gcm,
	"AEAD_AES_256_GCM":        srtp.ProtectionProfileAeadAes256Gcm,
}

// encrypter protects packets as the SBC would.
func encrypter(t testing.TB, key *SRTPParams) func([]byte) []byte {
	t.Helper()
	ctx, err := srtp.CreateContext(key.Key, key.Salt, key.Profile)
	if err != nil {
		t.Fatal(err)
	}
	return func(b []byte) []byte {
		out, err := ctx.EncryptRTP(nil, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

func TestSRTPProfilesDecrypt(t *testing.T) {
	for name, prof := range srtpProfiles {
		t.Run(name, func(t *testing.T) {
			h := newSessHarness(t)
			key := testKey(t, prof, 3)
			st := h.stream(StreamParams{SRTP: key})
			h.activate()
			enc := encrypter(t, key)
			a := &src{ssrc: 77}
			for range 10 {
				st.handlePacket(enc(a.next(t, 0x80)), peerA, h.now)
				h.advance(20 * time.Millisecond)
				h.s.tick(h.now)
			}
			h.advance(200 * time.Millisecond)
			h.s.tick(h.now)
			s := st.Stats()
			if s.Packets != 10 || len(s.Dropped) != 0 || !s.SRTP {
				t.Fatalf("stats %+v", s)
			}
			pcm, _ := channelOf(h.sink.snapshot(), 0)
			n := 0
			for _, v := range pcm {
				if v == 32124 {
					n++
				}
			}
			if n != 1600 {
				t.Fatalf("%d decrypted samples played, want 1600", n)
			}
		})
	}
}

func TestSRTPRejects(t *testing.T) {
	tests := map[string]struct {
		tamper func(pkts [][]byte) [][]byte
		reason string
		count  uint64
	}{
		"bad auth tag": {func(p [][]byte) [][]byte {
			p[1][len(p[1])-1] ^= 0x01
			return p
		}, "srtp_auth_fail", 1},
		"bad payload": {func(p [][]byte) [][]byte {
			p[1][20] ^= 0x80
			return p
		}, "srtp_auth_fail", 1},
		"replayed": {func(p [][]byte) [][]byte {
			return append(p, p[1])
		}, "srtp_replay", 1},
		"plain RTP on SRTP stream": {func(p [][]byte) [][]byte {
			p[1] = rtpPacket(t, 1001, 160*1001, 5, 0, make([]byte, 160))
			return p
		}, "srtp_auth_fail", 1},
	}
	for name, tc := range tests {
		for pname, prof := range srtpProfiles {
			t.Run(name+"/"+pname, func(t *testing.T) {
				h := newSessHarness(t)
				key := testKey(t, prof, 9)
				st := h.stream(StreamParams{SRTP: key})
				h.activate()
				enc := encrypter(t, key)
				a := &src{ssrc: 5, seq: 1000, ts: 160 * 1000}
				var pkts [][]byte
				for range 3 {
					pkts = append(pkts, enc(a.next(t, 0x80)))
				}
				for _, p := range tc.tamper(pkts) {
					st.handlePacket(p, peerA, h.now)
					h.advance(20 * time.Millisecond)
				}
				s := st.Stats()
				if s.Dropped[tc.reason] != tc.count || len(s.Dropped) != 1 {
					t.Fatalf("dropped %v, want %s=%d", s.Dropped, tc.reason, tc.count)
				}
			})
		}
	}
}

func TestSRTPUpdateKeepsOrReplacesContext(t *testing.T) {
	h := newSessHarness(t)
	key := testKey(t, srtp.ProtectionProfileAes128CmHmacSha1_80, 1)
	st := h.stream(StreamParams{SRTP: key})
	h.activate()
	ctx := st.srtp
	same := testKey(t, srtp.ProtectionProfileAes128CmHmacSha1_80, 1)
	if err := st.Update(StreamParams{Peer: peerA, Payloads: pcmu(), SRTP: same}); err != nil {
		t.Fatal(err)
	}
	if st.srtp != ctx {
		t.Fatal("an unchanged key replaced the SRTP context (and its rollover counter)")
	}
	// Re-key: packets under the old key fail, under the new one play.
	newKey := testKey(t, srtp.ProtectionProfileAeadAes256Gcm, 50)
	if err := st.Update(StreamParams{Peer: peerA, Payloads: pcmu(), SRTP: newKey}); err != nil {
		t.Fatal(err)
	}
	a := &src{ssrc: 8}
	st.handlePacket(encrypter(t, key)(a.next(t, 0x80)), peerA, h.now)
	st.handlePacket(encrypter(t, newKey)(a.next(t, 0x80)), peerA, h.now)
	if s := st.Stats(); s.Packets != 1 || s.Dropped["srtp_auth_fail"] != 1 {
		t.Fatalf("stats %+v", s)
	}
	// And back to plain RTP.
	if err := st.Update(StreamParams{Peer: peerA, Payloads: pcmu()}); err != nil {
		t.Fatal(err)
	}
	st.handlePacket(a.next(t, 0x80), peerA, h.now)
	if s := st.Stats(); s.Packets != 2 || s.SRTP {
		t.Fatalf("stats %+v", s)
	}
}
