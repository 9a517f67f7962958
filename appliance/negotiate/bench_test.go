package negotiate

import "testing"

// BenchmarkParseAndAnswer is the per-INVITE cost: parse the Oracle offer,
// plan it and build the answer.
func BenchmarkParseAndAnswer(b *testing.B) {
	body := sample(b, "oracle.sdp")
	local := newLocal(b)
	ports := []int{20000, 20002}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		offer, err := ParseOffer(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := NewPlan(offer, SRTPAllow).Answer(local, ports, Inactive); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAndAnswerSRTP adds SDES: two crypto lines parsed per m-line
// and a fresh key drawn for each answer.
func BenchmarkParseAndAnswerSRTP(b *testing.B) {
	body := sample(b, "srtp-oracle.sdp")
	local := newLocal(b)
	ports := []int{20000, 20002}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		offer, err := ParseOffer(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := NewPlan(offer, SRTPAllow).Answer(local, ports, Inactive); err != nil {
			b.Fatal(err)
		}
	}
}
