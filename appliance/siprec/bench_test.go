package siprec

import "testing"

// BenchmarkOracleInvite measures the appliance's per-INVITE work on the
// real Oracle capture (oracle-3.sip): from an already parsed *sip.Request
// (sipgo's transport hands one over) to the split body, the parsed metadata
// and the full key set, via Parse.
func BenchmarkOracleInvite(b *testing.B) {
	req := parseSIP(b, fixture(b, "oracle-3.sip"))
	b.SetBytes(int64(len(req.Body())))
	b.ReportAllocs()
	for b.Loop() {
		rec, err := Parse(req)
		if err != nil || rec.Keys.Len() != 3 {
			b.Fatalf("keys %v err %v", rec.Keys.Keys(), err)
		}
	}
}

// BenchmarkOracleInviteFromWire adds sipgo's own parse of the raw message,
// for comparison with the whole receive path.
func BenchmarkOracleInviteFromWire(b *testing.B) {
	raw := toCRLF(fixture(b, "oracle-3.sip"))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		req := parseSIP(b, raw)
		if !IsRecording(req) {
			b.Fatal("not recognised")
		}
		if _, err := Parse(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseMetadata isolates the XML parse of the Oracle metadata.
func BenchmarkParseMetadata(b *testing.B) {
	req := parseSIP(b, fixture(b, "oracle-3.sip"))
	body, err := SplitBody(contentType(req), req.Body())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body.Metadata)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMetadata(body.Metadata); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplitBodyOversize shows that a 1 MiB body costs nothing to refuse.
func BenchmarkSplitBodyOversize(b *testing.B) {
	body := make([]byte, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SplitBody("multipart/mixed;boundary=x", body); err == nil {
			b.Fatal("accepted")
		}
	}
}
