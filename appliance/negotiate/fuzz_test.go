package negotiate

import (
	"path/filepath"
	"testing"
)

// FuzzParseOffer feeds arbitrary bodies to ParseOffer and runs whatever
// parses through the whole negotiation: plan under every policy, answer,
// re-parse of the answer (by us, and by pion/sdp when it knows every
// m-line), a re-offer of the same body, and our own re-INVITE offer applied
// with the body as the SBC's answer. None of it may panic, and what we
// write must always be SDP that keeps the offer's m-lines in order.
func FuzzParseOffer(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sdp")
	for _, name := range files {
		f.Add(sample(f, filepath.Base(name)))
	}
	f.Add(srtpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30+"|2^31|1:1"))
	f.Add([]byte("v=0\rm=audio 0 RTP/AVP\r"))
	f.Fuzz(func(t *testing.T, b []byte) {
		offer, err := ParseOffer(b)
		if err != nil {
			if offer != nil {
				t.Fatal("offer with error")
			}
			return
		}
		if len(offer.Media) == 0 || len(offer.Media) > MaxMedia {
			t.Fatalf("%d m-lines", len(offer.Media))
		}
		local := newLocal(t)
		for _, policy := range []SRTPPolicy{SRTPAllow, SRTPRequire, SRTPOff} {
			plan := NewPlan(offer, policy)
			body, sess, err := plan.Answer(local, portsFor(plan), RecvOnly)
			if err != nil {
				t.Fatalf("answer: %v", err)
			}
			ans, _ := reparse(t, body)
			if len(ans.Media) != len(offer.Media) {
				t.Fatalf("answer has %d m-lines, offer %d", len(ans.Media), len(offer.Media))
			}
			for i := range ans.Media {
				if ans.Media[i].Label != offer.Media[i].Label || ans.Media[i].Type != offer.Media[i].Type {
					t.Fatalf("m-line %d: label %q type %q, offered %q %q", i,
						ans.Media[i].Label, ans.Media[i].Type, offer.Media[i].Label, offer.Media[i].Type)
				}
			}
			re, err := sess.Plan(offer)
			if err != nil || !re.Unchanged() {
				t.Fatalf("same offer again: unchanged=%v err=%v", re != nil && re.Unchanged(), err)
			}
			p, err := sess.Offer(RecvOnly, true)
			if err != nil {
				t.Fatal(err)
			}
			reparse(t, p.SDP())
			_, _ = p.Apply(b)
		}
	})
}
