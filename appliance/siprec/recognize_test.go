package siprec

import (
	"strconv"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// rawInvite builds a CRLF INVITE from extra header lines and a body.
func rawInvite(headers []string, ct, body string) []byte {
	var b strings.Builder
	b.WriteString("INVITE sip:srs@192.0.2.50:5060 SIP/2.0\r\n")
	b.WriteString("Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1\r\n")
	b.WriteString("From: <sip:src@192.0.2.10>;tag=1\r\n")
	b.WriteString("To: <sip:srs@192.0.2.50>\r\n")
	b.WriteString("Call-ID: c1@192.0.2.10\r\n")
	b.WriteString("CSeq: 1 INVITE\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if ct != "" {
		b.WriteString("Content-Type: " + ct + "\r\n")
	}
	b.WriteString("Content-Length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

func TestIsRecording(t *testing.T) {
	multipart := string(quirkBody("\r\n", "--b", "Content-Type: application/sdp", "", "v=0", "--b",
		"Content-Type: application/rs-metadata+xml", "", metaText, "--b--", ""))
	tests := map[string]struct {
		headers []string
		ct      string
		body    string
		want    bool
	}{
		"Require siprec":                     {[]string{"Require: siprec"}, "application/sdp", sdpText, true},
		"Require merged, no space":           {[]string{"Require: 100rel,siprec"}, "", "", true},
		"Require merged, spaces, upper case": {[]string{"Require: timer , SIPREC"}, "", "", true},
		"second Require header":              {[]string{"Require: 100rel", "require: siprec"}, "", "", true},
		"Require without siprec":             {[]string{"Require: 100rel, timer", "Supported: siprec"}, "application/sdp", sdpText, false},
		"Require token that contains siprec": {[]string{"Require: siprecx"}, "", "", false},
		"+sip.src inside the URI brackets":   {[]string{"Contact: <sip:src@192.0.2.10;+sip.src>"}, "", "", true},
		"+sip.src as header parameter":       {[]string{"Contact: <sip:src@192.0.2.10;transport=tcp>;+sip.src"}, "", "", true},
		"+sip.src before other parameters":   {[]string{`Contact: "SBC" <sip:src@192.0.2.10>;+sip.src;expires=60`}, "", "", true},
		"src without the tree":               {[]string{"Contact: <sip:src@192.0.2.10>;src"}, "", "", true},
		"src in a URI without brackets":      {[]string{"Contact: sip:src@192.0.2.10;+sip.src"}, "", "", true},
		"compact Contact":                    {[]string{"m: <sip:src@192.0.2.10>;+SIP.SRC"}, "", "", true},
		"second Contact value":               {[]string{"Contact: <sip:a@192.0.2.10>, <sip:b@192.0.2.10>;+sip.src"}, "", "", true},
		"our own +sip.srs is not a SRC":      {[]string{"Contact: <sip:srs@192.0.2.50>;+sip.srs"}, "application/sdp", sdpText, false},
		"rs-metadata part, no Require":       {nil, "multipart/mixed;boundary=b", multipart, true},
		"metadata-only body":                 {nil, "application/rs-metadata+xml", metaText, true},
		"plain INVITE":                       {[]string{"Contact: <sip:alice@192.0.2.10>"}, "application/sdp", sdpText, false},
		"multipart without metadata":         {nil, "multipart/mixed;boundary=b", "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--\r\n", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			req := parseSIP(t, rawInvite(tt.headers, tt.ct, tt.body))
			if got := IsRecording(req); got != tt.want {
				t.Fatalf("IsRecording = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsRecordingFixtures(t *testing.T) {
	// Every full request fixture is a recording request, whatever marks it:
	// BroadWorks only by its metadata part, the Avaya UPDATE by +sip.src and
	// its metadata-only body.
	for _, name := range requestFixtures {
		t.Run(name, func(t *testing.T) {
			if !IsRecording(parseSIP(t, fixture(t, name))) {
				t.Fatal("not recognised")
			}
		})
	}
	bw := parseSIP(t, fixture(t, "broadworks-2.sip"))
	if bw.GetHeader("Require") != nil || strings.Contains(bw.Contact().String(), "src") {
		t.Fatal("broadworks-2.sip must carry no Require and no +sip.src")
	}
}

func TestIsRecordingBuiltRequest(t *testing.T) {
	// A request built in code (the lab's call generator) may carry the
	// Contact as a generic header; the tag is then found in its text.
	req := sip.NewRequest(sip.INVITE, sip.Uri{User: "srs", Host: "192.0.2.50"})
	req.AppendHeader(sip.NewHeader("Contact", `"Bob;+sip.src" <sip:bob@192.0.2.10>`))
	if IsRecording(req) {
		t.Fatal("a display name must not count")
	}
	req.AppendHeader(sip.NewHeader("Contact", "<sip:src@192.0.2.10;transport=tcp;+sip.src>"))
	if !IsRecording(req) {
		t.Fatal("generic Contact with +sip.src not recognised")
	}
	if IsRecording(nil) {
		t.Fatal("nil request recognised")
	}
}
