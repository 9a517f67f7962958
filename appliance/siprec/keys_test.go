package siprec

import (
	"slices"
	"testing"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

func TestOracleInvite(t *testing.T) {
	// The real Oracle capture, parsed by sipgo as the transport would: one
	// UCID in apkt:ucid, another in User-to-User and Cisco-Gucid (the same
	// call in ASAI hex and 20-digit decimal), the Call-ID in X-Acme-Call-ID
	// and again in apkt:header Call-ID.
	req := parseSIP(t, fixture(t, "oracle-3.sip"))
	if !IsRecording(req) {
		t.Fatal("not recognised")
	}
	rec, err := Parse(req)
	if err != nil {
		t.Fatal(err)
	}
	want := callkey.NewSet(
		mustKey(callkey.UCID("004762BD69FA4805")),
		mustKey(callkey.UCID("004762C169FA480C")),
		mustKey(callkey.CallID("wlss-64071c05-73fde93a6638f450@152.190.6.22")),
	)
	for _, k := range want.Keys() {
		if !rec.Keys.Has(k) || rec.Keys.Len() != want.Len() {
			t.Fatalf("keys %v, want %v", rec.Keys.Keys(), want.Keys())
		}
	}
	// Every spelling a CTI event might carry matches.
	for _, event := range []string{"004762bd69fa4805", "00071252811778010124",
		"04FA08004762C169FA480CC8143030303731323532383131373738303130313234"} {
		if !rec.Keys.Intersects(callkey.NewSet(mustKey(callkey.UCID(event)))) {
			t.Errorf("CTI UCID %s does not match", event)
		}
	}
	if got := keyStrings(rec.Metadata); !slices.Equal(got, []string{"ucid:004762BD69FA4805", "call-id:wlss-64071c05-73fde93a6638f450@152.190.6.22"}) {
		t.Errorf("metadata keys %q", got)
	}
	if len(rec.Body.SDP) == 0 || rec.Body.Unterminated {
		t.Errorf("body = %+v", rec.Body)
	}
}

func TestHeaderKeys(t *testing.T) {
	const (
		uui  = "04FA08004762C169FA480CC8143030303731323532383131373738303130313234"
		ucid = "ucid:004762C169FA480C"
		cnv  = "conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"
		cid  = "call-id:c1@192.0.2.10" // rawInvite's own Call-ID
	)
	tests := map[string]struct {
		headers []string
		want    []string
	}{
		"User-to-User ;encoding=hex":        {[]string{"User-to-User: " + uui + ";encoding=hex"}, []string{cid, ucid}},
		"User-to-User with purpose":         {[]string{"User-to-User: " + uui + ";encoding=hex;purpose=isdn-uui;content=isdn-uui"}, []string{cid, ucid}},
		"user-to-user lower case":           {[]string{"user-to-user: " + uui}, []string{cid, ucid}},
		"User-to-User bare UCID":            {[]string{"User-to-User: 004762c169fa480c"}, []string{cid, ucid}},
		"two User-to-User values":           {[]string{"User-to-User: 3132;encoding=hex, " + uui + ";encoding=hex"}, []string{cid, ucid}},
		"X-User-to-User":                    {[]string{"X-User-to-User: " + uui}, []string{cid, ucid}},
		"Cisco-Gucid decimal":               {[]string{"Cisco-Gucid: 00071252811778010124"}, []string{cid, ucid}},
		"Cisco-Gucid Cisco GUID is skipped": {[]string{"Cisco-Gucid: 91036128574411e789f9d0ff56c3c658"}, []string{cid}},
		"X-Inin-Cnv":                        {[]string{"X-Inin-Cnv: 5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"}, []string{cid, cnv}},
		"x-inin-cnv lower case, upper UUID": {[]string{"x-inin-cnv: 5F1D2C3B-0A9E-4D8F-9B7A-6C5E4D3C2B1A"}, []string{cid, cnv}},
		"X-Acme-Call-ID":                    {[]string{"X-Acme-Call-ID: wlss-1@192.0.2.9"}, []string{cid, "call-id:wlss-1@192.0.2.9"}},
		"same UCID twice":                   {[]string{"User-to-User: " + uui, "Cisco-Gucid: 00071252811778010124"}, []string{cid, ucid}},
		"invalid values skipped":            {[]string{"User-to-User: tier=gold", "X-Inin-Cnv: nope", "Cisco-Gucid: 0000000000000000"}, []string{cid}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := HeaderKeys(parseSIP(t, rawInvite(tt.headers, "", "")))
			var got []string
			for _, k := range s.Keys() {
				got = append(got, k.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("keys %q, want %q", got, tt.want)
			}
		})
	}
	if HeaderKeys(nil).Len() != 0 {
		t.Fatal("nil request has keys")
	}
}

func TestParseKeysAcrossSources(t *testing.T) {
	// Parse unites the header keys with the metadata keys, headers first.
	tests := map[string]struct {
		fixture string
		want    []string
	}{
		"oracle outbound": {"oracle-5-outbound-cnv.sip", []string{
			"call-id:4f7b1e0c2d9a8b6e3c5a7d1f0e2b4c6a@10.20.0.11",
			"conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a",
			"call-id:8b4e3d2c-1a09-4f8e-b7d6-c5b4a3928170@10.30.0.21"}},
		"broadworks callhalf id is not a Call-ID": {"broadworks-2.sip", []string{
			"call-id:BW144835591130119-1226403357@192.0.2.10"}},
		"avaya UPDATE, metadata only": {"avaya-sbce-1-update.sip", []string{
			"call-id:0a7f3f2d6c91e1c4b1f8d6a2e93c5b07", "ucid:00705D4C5DCAAC41"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rec, err := Parse(parseSIP(t, fixture(t, tt.fixture)))
			if err != nil && !(tt.fixture == "avaya-sbce-1-update.sip" && isNoSDP(err)) {
				t.Fatal(err)
			}
			var got []string
			for _, k := range rec.Keys.Keys() {
				got = append(got, k.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("keys %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseConcurrent(t *testing.T) {
	// The gate may re-read a request from several goroutines; nothing in
	// the package writes to the request or shares state (run with -race).
	req := parseSIP(t, fixture(t, "oracle-3.sip"))
	done := make(chan callkey.Set)
	for range 8 {
		go func() {
			_ = IsRecording(req)
			rec, _ := Parse(req)
			done <- rec.Keys
		}()
	}
	for range 8 {
		if k := <-done; k.Len() != 3 {
			t.Errorf("keys %v", k.Keys())
		}
	}
}
