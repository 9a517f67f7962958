package siprec

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<recording xmlns="urn:ietf:params:xml:ns:recording:1"><datamode>&lol9;</datamode>
<session session_id="s"><extensiondata><apkt:ucid>004762BD69FA4805</apkt:ucid></extensiondata></session></recording>`

// nested returns a recording document with depth nested elements inside
// the root and a UCID at the bottom.
func nested(depth int) string {
	return "<recording>" + strings.Repeat("<a>", depth) + "<ucid>004762BD69FA4805</ucid>" +
		strings.Repeat("</a>", depth) + "</recording>"
}

// repeated returns a recording document with n copies of element.
func repeated(n int, element string) string {
	return "<recording>" + strings.Repeat(element, n) + "</recording>"
}

func TestParseMetadataHostile(t *testing.T) {
	manyParticipants := &strings.Builder{}
	manyStreams := &strings.Builder{}
	for i := range maxParticipants + 1 {
		manyParticipants.WriteString(`<participant participant_id="p` + strconv.Itoa(i) + `"/>`)
		manyStreams.WriteString(`<stream stream_id="s` + strconv.Itoa(i) + `"/>`)
	}
	tests := map[string]string{
		"billion laughs":         billionLaughs,
		"external entity (XXE)":  `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><recording><name>&x;</name></recording>`,
		"bare DOCTYPE":           `<!DOCTYPE recording SYSTEM "http://example.com/r.dtd"><recording/>`,
		"lower-case doctype":     `<!doctype recording><recording/>`,
		"ENTITY without DOCTYPE": `<recording><!ENTITY x "y"></recording>`,
		"ELEMENT declaration":    `<recording><!ELEMENT a ANY></recording>`,
		"nesting 33 deep":        nested(maxDepth - 1), // root + 31 + ucid
		"nesting 10000 deep":     nested(10000),
		"too many elements":      repeated(maxElements, "<a/>"), // root + 2048
		"too many participants":  "<recording>" + manyParticipants.String() + "</recording>",
		"too many streams":       "<recording>" + manyStreams.String() + "</recording>",
		"too many attributes":    "<recording><a" + strings.Repeat(` x="1"`, maxAttrs+1) + "/></recording>",
		"oversize attribute":     `<recording><participant id="` + strings.Repeat("p", maxValueLen+1) + `"/></recording>`,
		"oversize text":          "<recording><name>" + strings.Repeat("n", maxValueLen+1) + "</name></recording>",
		"oversize document":      "<recording>" + strings.Repeat(" ", MaxMetadataSize) + "</recording>",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			m, err := ParseMetadata([]byte(doc))
			if !errors.Is(err, ErrHostileMetadata) || errors.Is(err, ErrMalformedMetadata) {
				t.Fatalf("err = %v, want ErrHostileMetadata", err)
			}
			if m != nil {
				t.Fatalf("hostile input returned a model with keys %v", m.Keys().Keys())
			}
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Fatalf("refusal took %v", d)
			}
		})
	}
}

func TestParseMetadataWithinLimits(t *testing.T) {
	// Just inside every limit is still a document, not an attack.
	tests := map[string]string{
		"nesting 32 deep":   nested(maxDepth - 2), // root + 30 + ucid
		"comment and CDATA": `<?xml version="1.0"?><!-- SBC build 9.0 --><recording><ucid><![CDATA[004762BD69FA4805]]></ucid></recording>`,
		"max elements":      repeated(maxElements-1, "<a/>"), // root + 2047
		"latin-1 prolog":    `<?xml version="1.0" encoding="ISO-8859-1"?><recording><ucid>004762BD69FA4805</ucid></recording>`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseMetadata([]byte(doc)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseHostileRequest(t *testing.T) {
	// A hostile metadata part fails the request, but the header keys are
	// still reported so the refusal can be logged against the call.
	body := string(quirkBody("\r\n", "--b", "Content-Type: application/sdp", "", "v=0", "--b",
		"Content-Type: application/rs-metadata+xml", "", billionLaughs, "--b--", ""))
	req := parseSIP(t, rawInvite([]string{"Require: siprec", "X-Inin-Cnv: 5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"},
		"multipart/mixed;boundary=b", body))
	rec, err := Parse(req)
	if !errors.Is(err, ErrHostileMetadata) {
		t.Fatalf("err = %v", err)
	}
	if rec.Metadata != nil || rec.Keys.Len() != 2 {
		t.Fatalf("metadata %v keys %v", rec.Metadata, rec.Keys.Keys())
	}
}
