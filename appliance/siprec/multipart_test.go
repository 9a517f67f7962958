package siprec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSplitBodyVendorCaptures(t *testing.T) {
	tests := map[string]struct {
		metaType     string
		metaPrefix   string
		other        int
		unterminated bool
	}{
		"avaya-sbce-1-body.sip":           {"application/rs-metadata+xml", "<?xml", 0, false},
		"broadworks-1-body-mangled.sip":   {"application/ +xml", "<recording_metadata", 0, false}, // metadata first; found by its disposition
		"cisco-1-body.sip":                {"application/rs-metadata+xml", "<?xml", 1, true},      // gtd third part, no close delimiter
		"opensips-1-body.sip":             {"application/rs-metadata+xml", "<?xml", 0, false},
		"oracle-4-body.sip":               {"application/rs-metadata+xml", "<?xml", 0, false}, // space after closing "--"
		"oracle-7-unescaped-uri-body.sip": {"application/rs-metadata+xml", "<?xml", 0, false},
		"ribbon-sonus-1-body.sip":         {"application/rs-metadata+xml", "<?xml", 0, true},
		"sems-1-body.sip":                 {"application/rs-metadata", "<?xml", 0, true}, // no "+xml"
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			raw := fixture(t, name)
			b, err := SplitBody(bodyFixtures[name], raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b.SDP, []byte("v=0")) {
				t.Fatalf("SDP = %q", b.SDP)
			}
			if bytes.Contains(b.SDP, []byte("--")) || bytes.Contains(b.Metadata, []byte("\n--")) {
				t.Fatalf("delimiter leaked into a part:\nSDP %q\nmetadata %q", b.SDP, b.Metadata)
			}
			if !bytes.HasPrefix(b.Metadata, []byte(tt.metaPrefix)) {
				t.Fatalf("metadata starts %q", b.Metadata[:min(len(b.Metadata), 40)])
			}
			if b.MetadataType != tt.metaType || len(b.Other) != tt.other || b.Unterminated != tt.unterminated {
				t.Fatalf("type %q other %d unterminated %v", b.MetadataType, len(b.Other), b.Unterminated)
			}
			// Zero copy: the parts alias the input.
			if &b.SDP[0] != &raw[bytes.Index(raw, []byte("v=0"))] {
				t.Fatal("SDP is a copy, want a slice of the input")
			}
		})
	}
}

func TestSplitBodyCiscoGTD(t *testing.T) {
	b, err := SplitBody(bodyFixtures["cisco-1-body.sip"], fixture(t, "cisco-1-body.sip"))
	if err != nil {
		t.Fatal(err)
	}
	gtd := b.Other[0]
	if gtd.ContentType != "application/gtd" || gtd.Disposition != "signal;handling=optional" ||
		!bytes.HasPrefix(gtd.Body, []byte("IAM,\nGCI,91036128574411e789f9d0ff56c3c658")) {
		t.Fatalf("gtd part = %+v", gtd)
	}
}

// quirkBody builds a two-part body from lines joined by nl.
func quirkBody(nl string, lines ...string) []byte {
	return []byte(strings.Join(lines, nl))
}

const (
	sdpText  = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=label:1\r\na=sendonly\r\n"
	metaText = `<?xml version="1.0"?><recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>complete</datamode></recording>`
)

func TestSplitBodyQuirks(t *testing.T) {
	sdp := strings.TrimSuffix(sdpText, "\r\n")
	tests := map[string]struct {
		ct           string
		body         []byte
		wantMetaType string
		unterminated bool
	}{
		"no space after colon": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b", "Content-Type:application/sdp", "", sdp, "--b", "Content-Type:application/rs-metadata+xml", "", metaText, "--b--", ""),
			"application/rs-metadata+xml", false},
		"quoted boundary with space": {`multipart/mixed; boundary="b=1/x"`, quirkBody("\r\n",
			"--b=1/x", "Content-Type: application/sdp", "", sdp, "--b=1/x", "Content-Type: application/rs-metadata+xml", "", metaText, "--b=1/x--"),
			"application/rs-metadata+xml", false},
		"bare boundary with odd characters": {`multipart/mixed;charset=x;boundary=----=_Part_0_1.2`, quirkBody("\r\n",
			"------=_Part_0_1.2", "Content-Type: application/sdp", "", sdp, "------=_Part_0_1.2", "Content-Type: application/rs-metadata+xml", "", metaText, "------=_Part_0_1.2--"),
			"application/rs-metadata+xml", false},
		"upper-case type and parameter": {`MULTIPART/MIXED; BOUNDARY=b`, quirkBody("\r\n",
			"--b", "content-type: Application/SDP", "", sdp, "--b", "CONTENT-TYPE: Application/RS-Metadata+XML; charset=UTF-8", "", metaText, "--b--"),
			"Application/RS-Metadata+XML; charset=UTF-8", false},
		"metadata first (BroadWorks)": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b", "Content-Type: application/rs-metadata", "", metaText, "--b", "Content-Type: application/sdp", "", sdp, "--b--"),
			"application/rs-metadata", false},
		"preamble and blank lines before the first delimiter": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"", "This is a multi-part message in MIME format.", "", "--b", "Content-Type: application/sdp", "", sdp, "--b", "Content-Type: application/rs-metadata+xml", "", metaText, "--b--"),
			"application/rs-metadata+xml", false},
		"trailing whitespace after delimiters": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b \t", "Content-Type: application/sdp", "", sdp, "--b  ", "Content-Type: application/rs-metadata+xml", "", metaText, "--b-- "),
			"application/rs-metadata+xml", false},
		"missing final delimiter": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b", "Content-Type: application/sdp", "", sdp, "--b", "Content-Type: application/rs-metadata+xml", "", metaText),
			"application/rs-metadata+xml", true},
		"bare LF": {"multipart/mixed;boundary=b", quirkBody("\n",
			"--b", "Content-Type: application/sdp", "", strings.ReplaceAll(sdp, "\r\n", "\n"), "--b", "Content-Type: application/rs-metadata+xml", "", metaText, "--b--"),
			"application/rs-metadata+xml", false},
		"longer boundary that starts with ours is content": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b", "Content-Type: application/sdp", "", sdp, "--b", "Content-Type: application/rs-metadata+xml", "", metaText, "--bogus-line", "--b--"),
			"application/rs-metadata+xml", false},
		"disposition recording-session with a mangled type": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b", "Content-Type: application/sdp", "", sdp, "--b", "Content-Type:application/ +xml", "Content-Disposition:recording-session", "", metaText, "--b--"),
			"application/ +xml", false},
		"folded part header": {"multipart/mixed;boundary=b", quirkBody("\r\n",
			"--b", "Content-Type: application/sdp", "", sdp, "--b", "Content-Type: application/rs-metadata+xml;", "  charset=UTF-8", "", metaText, "--b--"),
			"application/rs-metadata+xml;", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := SplitBody(tt.ct, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(toLF(b.SDP)); got != strings.ReplaceAll(sdp, "\r\n", "\n") {
				t.Fatalf("SDP = %q", b.SDP)
			}
			wantMeta := metaText
			if strings.HasPrefix(name, "longer boundary") {
				wantMeta += "\r\n--bogus-line"
			}
			if string(b.Metadata) != wantMeta {
				t.Fatalf("metadata = %q", b.Metadata)
			}
			if b.MetadataType != tt.wantMetaType || b.Unterminated != tt.unterminated {
				t.Fatalf("type %q unterminated %v", b.MetadataType, b.Unterminated)
			}
		})
	}
}

func TestSplitBodyPartContentLength(t *testing.T) {
	// The metadata holds a line that looks like our delimiter. Only an honoured
	// Content-Length keeps the part whole.
	meta := "<recording>\r\n--b\r\n</recording>"
	tests := map[string]struct {
		length   string
		wantMeta string
	}{
		"exact, honoured":               {"30", meta},
		"counting the CRLF, honoured":   {"32", meta + "\r\n"},
		"too long, ignored":             {"2012", "<recording>"},
		"too short, ignored":            {"5", "<recording>"},
		"not a number, ignored":         {"x", "<recording>"},
		"negative, ignored":             {"-1", "<recording>"},
		"points past the end, ignored":  {"99999", "<recording>"},
		"zero with content, ignored":    {"0", "<recording>"},
		"exact without space, honoured": {"30", meta},
	}
	if len(meta) != 30 {
		t.Fatalf("test setup: len(meta) = %d", len(meta))
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			sep := ": "
			if strings.HasSuffix(name, "without space, honoured") {
				sep = ":"
			}
			body := quirkBody("\r\n", "--b", "Content-Type: application/rs-metadata+xml", "Content-Length"+sep+tt.length, "", meta,
				"--b", "Content-Type: application/sdp", "Content-Length: 3", "", "v=0", "--b--", "")
			b, err := SplitBody("multipart/mixed;boundary=b", body)
			if err != nil {
				t.Fatal(err)
			}
			if string(b.Metadata) != tt.wantMeta {
				t.Fatalf("metadata = %q, want %q", b.Metadata, tt.wantMeta)
			}
			if string(b.SDP) != "v=0" {
				t.Fatalf("SDP = %q", b.SDP)
			}
		})
	}
}

func TestSplitBodyBroadWorksContentLength(t *testing.T) {
	// The capture declares Content-Length 2012 and 300 for parts of 443 and
	// 273 bytes (tags were stripped when it was pasted); the boundary wins.
	b, err := SplitBody(bodyFixtures["broadworks-1-body-mangled.sip"], fixture(t, "broadworks-1-body-mangled.sip"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Metadata) != 443 || len(b.SDP) != 273 {
		t.Fatalf("metadata %d bytes, SDP %d bytes", len(b.Metadata), len(b.SDP))
	}
	// The rebuilt BroadWorks INVITE declares exact lengths, which are honoured.
	req := parseSIP(t, fixture(t, "broadworks-2.sip"))
	b, err = SplitBody(contentType(req), req.Body())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b.Metadata, []byte("</recording_metadata>\r\n")) || !bytes.HasSuffix(b.SDP, []byte("a=label:2\r\n")) {
		t.Fatalf("metadata ends %q, SDP ends %q", b.Metadata[len(b.Metadata)-30:], b.SDP[len(b.SDP)-20:])
	}
}

func TestSplitBodySinglePart(t *testing.T) {
	tests := map[string]struct {
		ct      string
		body    string
		wantErr error
		sdp     bool
		meta    bool
	}{
		"plain SDP":                  {"application/sdp", sdpText, nil, true, false},
		"plain SDP with params":      {"Application/SDP; charset=utf-8", sdpText, nil, true, false},
		"metadata only (UPDATE)":     {"application/rs-metadata+xml", metaText, ErrNoSDP, false, true},
		"old metadata type only":     {"application/rs-metadata", metaText, ErrNoSDP, false, true},
		"no body (offerless INVITE)": {"", "", ErrNoSDP, false, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := SplitBody(tt.ct, []byte(tt.body))
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if b == nil || (b.SDP != nil) != tt.sdp || (b.Metadata != nil) != tt.meta {
				t.Fatalf("body = %+v", b)
			}
		})
	}
}

func TestSplitBodyErrors(t *testing.T) {
	many := []string{}
	for range maxParts + 1 {
		many = append(many, "--b", "Content-Type: text/plain", "", "x")
	}
	manyHeaders := []string{"--b"}
	for range maxPartHeaders + 1 {
		manyHeaders = append(manyHeaders, "X-Pad: 1")
	}
	tests := map[string]struct {
		ct       string
		body     []byte
		want     error
		wantBody bool
	}{
		"no boundary parameter":      {"multipart/mixed", []byte("--b\r\n\r\nx"), ErrNoBoundary, false},
		"empty quoted boundary":      {`multipart/mixed; boundary=""`, []byte("--\r\n\r\nx"), ErrNoBoundary, false},
		"boundary too long":          {"multipart/mixed;boundary=" + strings.Repeat("b", maxBoundaryLen+1), []byte("x"), ErrNoBoundary, false},
		"boundary never appears":     {"multipart/mixed;boundary=b", []byte(sdpText), ErrTruncatedBody, false},
		"only the close delimiter":   {"multipart/mixed;boundary=b", []byte("--b--\r\n"), ErrTruncatedBody, false},
		"part headers never end":     {"multipart/mixed;boundary=b", []byte("--b\r\nContent-Type: application/sdp\r\nv=0"), ErrTruncatedBody, false},
		"cut right after delimiter":  {"multipart/mixed;boundary=b", []byte("--b\r\n"), ErrTruncatedBody, false},
		"cut inside the second part": {"multipart/mixed;boundary=b", quirkBody("\r\n", "--b", "Content-Type: application/sdp", "", "v=0", "--b", "Content-Type: appl"), ErrTruncatedBody, false},
		"no SDP part":                {"multipart/mixed;boundary=b", quirkBody("\r\n", "--b", "Content-Type: application/rs-metadata+xml", "", metaText, "--b--"), ErrNoSDP, true},
		"unsupported type":           {"text/plain", []byte("hello"), ErrContentType, false},
		"body without a type":        {"", []byte("v=0\r\n"), ErrContentType, false},
		"too many parts":             {"multipart/mixed;boundary=b", quirkBody("\r\n", many...), ErrMalformedBody, false},
		"too many part headers":      {"multipart/mixed;boundary=b", quirkBody("\r\n", append(manyHeaders, "", "v=0")...), ErrMalformedBody, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := SplitBody(tt.ct, tt.body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "siprec: split body: ") {
				t.Fatalf("error %q lacks the op prefix", err)
			}
			if (b != nil) != tt.wantBody {
				t.Fatalf("body = %+v", b)
			}
		})
	}
}

func TestSplitBodyOversize(t *testing.T) {
	// A 1 MiB body is refused by its length alone, before any scanning.
	body := bytes.Repeat([]byte("--b\r\n"), (1<<20)/5+1)
	start := time.Now()
	b, err := SplitBody("multipart/mixed;boundary=b", body)
	if !errors.Is(err, ErrBodyTooLarge) || b != nil {
		t.Fatalf("err = %v, body = %v", err, b != nil)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Fatalf("refusal took %v", d)
	}
	if _, err := SplitBody("application/sdp", make([]byte, MaxBodySize)); err != nil {
		t.Fatalf("a body of exactly MaxBodySize must pass: %v", err)
	}
}

// TestSplitBodyLineEndings splits every capture with bare LF (as stored)
// and with CRLF (as on the wire) and expects the same parts.
func TestSplitBodyLineEndings(t *testing.T) {
	for name, ct := range bodyFixtures {
		t.Run(name, func(t *testing.T) {
			lf, err := SplitBody(ct, toLF(fixture(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			crlf, err := SplitBody(ct, toCRLF(fixture(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(toLF(crlf.SDP), lf.SDP) || !bytes.Equal(toLF(crlf.Metadata), lf.Metadata) ||
				len(crlf.Other) != len(lf.Other) || crlf.Unterminated != lf.Unterminated {
				t.Fatalf("CRLF and LF differ:\nLF   %+v\nCRLF %+v", lf, crlf)
			}
			mLF, errLF := ParseMetadata(lf.Metadata)
			mCRLF, errCRLF := ParseMetadata(crlf.Metadata)
			if (errLF == nil) != (errCRLF == nil) || mLF.Keys().Len() != mCRLF.Keys().Len() ||
				len(mLF.Participants) != len(mCRLF.Participants) || len(mLF.Streams) != len(mCRLF.Streams) {
				t.Fatalf("metadata differs: LF %+v (%v)\nCRLF %+v (%v)", mLF, errLF, mCRLF, errCRLF)
			}
		})
	}
}

func TestMediaParam(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"multipart/mixed;boundary=abc", "abc", true},
		{"multipart/mixed; boundary=abc", "abc", true},
		{"multipart/mixed ;  Boundary = abc ; charset=x", "abc", true},
		{`multipart/mixed;boundary="a;b c"`, "a;b c", true},
		{`multipart/mixed;boundary="a\"b"`, `a"b`, true},
		{`multipart/mixed;boundary="unclosed`, "unclosed", true},
		{`multipart/mixed;flag;boundary=x`, "x", true},
		{`multipart/mixed;xboundary=x`, "", false},
		{`multipart/mixed`, "", false},
		{`multipart/mixed;boundary`, "", false},
	}
	for _, tt := range tests {
		got, ok := mediaParam(tt.in, "boundary")
		if got != tt.want || ok != tt.ok {
			t.Errorf("mediaParam(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
