package negotiate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pion/srtp/v3"
)

// srtpOffer is a one-stream offer with the given transport and crypto lines.
func srtpOffer(proto string, crypto ...string) []byte {
	var b strings.Builder
	b.WriteString("v=0\r\no=- 77 1 IN IP4 10.173.188.16\r\ns=-\r\nc=IN IP4 10.173.188.16\r\nt=0 0\r\n")
	b.WriteString("m=audio 40000 " + proto + " 0 101\r\na=rtpmap:101 telephone-event/8000\r\n")
	for _, c := range crypto {
		b.WriteString("a=crypto:" + c + "\r\n")
	}
	b.WriteString("a=label:1\r\na=sendonly\r\n")
	return []byte(b.String())
}

func TestPlanSRTP(t *testing.T) {
	const (
		aes80  = "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31"
		aes32  = "2 AES_CM_128_HMAC_SHA1_32 inline:" + key30
		gcm128 = "3 AEAD_AES_128_GCM inline:" + key28
		gcm256 = "4 AEAD_AES_256_GCM inline:" + key44
		short  = "1 AES_CM_128_HMAC_SHA1_80 inline:" + key28
		mki    = "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31|1:1"
	)
	tests := map[string]struct {
		offer   []byte
		policy  SRTPPolicy
		reason  Reason
		tag     int
		profile srtp.ProtectionProfile
	}{
		"AES_CM_128_HMAC_SHA1_80":         {srtpOffer("RTP/SAVP", aes80), SRTPAllow, ReasonNone, 1, srtp.ProtectionProfileAes128CmHmacSha1_80},
		"AES_CM_128_HMAC_SHA1_32":         {srtpOffer("RTP/SAVP", aes32), SRTPAllow, ReasonNone, 2, srtp.ProtectionProfileAes128CmHmacSha1_32},
		"AEAD_AES_128_GCM":                {srtpOffer("RTP/SAVP", gcm128), SRTPAllow, ReasonNone, 3, srtp.ProtectionProfileAeadAes128Gcm},
		"AEAD_AES_256_GCM":                {srtpOffer("RTP/SAVP", gcm256), SRTPAllow, ReasonNone, 4, srtp.ProtectionProfileAeadAes256Gcm},
		"first supported line wins":       {srtpOffer("RTP/SAVP", gcm256, aes80), SRTPAllow, ReasonNone, 4, srtp.ProtectionProfileAeadAes256Gcm},
		"unusable lines skipped":          {srtpOffer("RTP/SAVP", mki, short, aes32), SRTPAllow, ReasonNone, 2, srtp.ProtectionProfileAes128CmHmacSha1_32},
		"bad-length key only":             {srtpOffer("RTP/SAVP", short), SRTPAllow, ReasonNoCrypto, 0, 0},
		"MKI only":                        {srtpOffer("RTP/SAVP", mki), SRTPAllow, ReasonNoCrypto, 0, 0},
		"SAVP without a=crypto":           {srtpOffer("RTP/SAVP"), SRTPAllow, ReasonNoCrypto, 0, 0},
		"SAVP under require":              {srtpOffer("RTP/SAVP", aes80), SRTPRequire, ReasonNone, 1, srtp.ProtectionProfileAes128CmHmacSha1_80},
		"SAVP under off":                  {srtpOffer("RTP/SAVP", aes80), SRTPOff, ReasonSRTPOff, 0, 0},
		"AVP under allow":                 {srtpOffer("RTP/AVP"), SRTPAllow, ReasonNone, 0, 0},
		"AVP under off":                   {srtpOffer("RTP/AVP"), SRTPOff, ReasonNone, 0, 0},
		"AVP under require":               {srtpOffer("RTP/AVP"), SRTPRequire, ReasonSRTPRequired, 0, 0},
		"AVP with crypto stays plain RTP": {srtpOffer("RTP/AVP", aes80), SRTPAllow, ReasonNone, 0, 0},
		"DTLS-SRTP":                       {srtpOffer("UDP/TLS/RTP/SAVP", aes80), SRTPAllow, ReasonProto, 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			offer := mustParse(t, tt.offer)
			plan := NewPlan(offer, tt.policy)
			st := plan.Streams[0]
			if st.Reason != tt.reason || st.Accepted != (tt.reason == ReasonNone) {
				t.Fatalf("reason %q accepted %v", st.Reason, st.Accepted)
			}
			if st.RemoteKey.Tag != tt.tag || st.RemoteKey.Profile != tt.profile {
				t.Fatalf("remote key %v", st.RemoteKey)
			}
			body, sess, err := plan.Answer(newLocal(t), portsFor(plan), Inactive)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := reparse(t, body)
			m := a.Media[0]
			if m.Proto != offer.Media[0].Proto {
				t.Errorf("answered %s to %s", m.Proto, offer.Media[0].Proto)
			}
			if !st.Accepted {
				if m.Port != 0 || len(m.Crypto) != 0 {
					t.Errorf("rejected line port %d crypto %v", m.Port, m.Crypto)
				}
				return
			}
			if tt.profile == 0 {
				if bytes.Contains(body, []byte("a=crypto")) {
					t.Errorf("plain RTP answered with a=crypto:\n%s", body)
				}
				return
			}
			ours := sess.Streams()[0].LocalKey
			if len(m.Crypto) != 1 || !m.Crypto[0].equal(ours) {
				t.Fatalf("answer crypto %v, session key %v", m.Crypto, ours)
			}
			if ours.Tag != tt.tag || ours.Profile != tt.profile || bytes.Equal(ours.Key, st.RemoteKey.Key) {
				t.Errorf("our key %v must have the offered tag and suite and be our own", ours)
			}
			// The remote key is exactly the offered bytes, usable by pion.
			kl, _ := tt.profile.KeyLen()
			sl, _ := tt.profile.SaltLen()
			all := seq(kl + sl)
			if !bytes.Equal(st.RemoteKey.Key, all[:kl]) || !bytes.Equal(st.RemoteKey.Salt, all[kl:]) {
				t.Error("remote key bytes differ from the offer")
			}
			if _, err := srtp.CreateContext(st.RemoteKey.Key, st.RemoteKey.Salt, st.RemoteKey.Profile); err != nil {
				t.Errorf("pion refuses the remote key: %v", err)
			}
		})
	}
}

func TestSRTPKeysAcrossReinvites(t *testing.T) {
	l, sess := established(t, "srtp-oracle.sdp", SRTPAllow)
	first := sess.Streams()
	orig := string(sample(t, "srtp-oracle.sdp"))

	// The SBC rekeys stream 0 (same suite) and moves stream 1 to another suite.
	re := strings.Replace(orig, "o=- 5511001 1", "o=- 5511001 2", 1)
	re = strings.Replace(re, "inline:"+key30+"|2^31", "inline:ZWZnaGlqa2xtbm9wcXJzdHV2d3h5ent8fX5/gIGC|2^31", 1)
	re = strings.Replace(re, "a=crypto:1 AEAD_AES_256_GCM inline:"+key44+"\n", "", 1)
	plan, err := sess.Plan(mustParse(t, []byte(re)))
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := plan.Streams[0], plan.Streams[1]
	if !s0.Changed || s0.RemoteKey.equal(first[0].RemoteKey) || !s0.LocalKey.equal(first[0].LocalKey) {
		t.Errorf("rekeyed stream: changed=%v, our key kept=%v", s0.Changed, s0.LocalKey.equal(first[0].LocalKey))
	}
	if !s1.Changed || s1.RemoteKey.Profile != srtp.ProtectionProfileAeadAes128Gcm || s1.RemoteKey.Tag != 2 {
		t.Errorf("suite change: %+v", s1.RemoteKey)
	}
	_, sess2, err := plan.Answer(l, nil, Inactive)
	if err != nil {
		t.Fatal(err)
	}
	st := sess2.Streams()
	if !st[0].LocalKey.equal(first[0].LocalKey) {
		t.Error("our key changed without need")
	}
	if st[1].LocalKey.Profile != srtp.ProtectionProfileAeadAes128Gcm || st[1].LocalKey.Tag != 2 {
		t.Errorf("our key must follow the new suite and tag: %v", st[1].LocalKey)
	}

	// Our re-INVITE keeps our keys, or draws new ones on request.
	keep, err := sess2.Offer(RecvOnly, false)
	if err != nil {
		t.Fatal(err)
	}
	rekey, err := sess2.Offer(RecvOnly, true)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := reparse(t, keep.SDP())
	r, _ := reparse(t, rekey.SDP())
	for i := range 2 {
		if !k.Media[i].Crypto[0].equal(st[i].LocalKey) {
			t.Errorf("m-line %d: offer without rekey changed our key", i)
		}
		if r.Media[i].Crypto[0].equal(st[i].LocalKey) || r.Media[i].Crypto[0].Profile != st[i].LocalKey.Profile {
			t.Errorf("m-line %d: rekey did not draw a new key of the same suite", i)
		}
	}

	// The SBC answers our offer with a new key of its own on stream 0 and
	// its current one on stream 1.
	answer := "v=0\r\no=- 5511001 3 IN IP4 10.173.188.16\r\ns=-\r\nc=IN IP4 10.173.188.16\r\nt=0 0\r\n" +
		"m=audio 40000 RTP/SAVP 0 101\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "\r\na=label:1\r\na=sendonly\r\n" +
		"m=audio 40002 RTP/SAVP 0 101\r\na=crypto:9 AEAD_AES_128_GCM inline:" + key28 + "\r\na=label:2\r\na=sendonly\r\n"
	sess3, err := keep.Apply([]byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	st3 := sess3.Streams()
	if !st3[0].Changed || !bytes.Equal(st3[0].RemoteKey.Key, seq(30)[:16]) {
		t.Errorf("new SBC key not reported: changed=%v", st3[0].Changed)
	}
	// A key under another tag than ours is still used (lenient), and
	// counts as a change only through the tag.
	if !st3[1].Accepted || st3[1].Stopped || st3[1].RemoteKey.Tag != 9 {
		t.Errorf("stream 1 %+v", st3[1])
	}
	if sess3.Remote().Version != "3" {
		t.Errorf("remote origin %+v", sess3.Remote())
	}
}
