package siprec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// fixture reads a file from testdata.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// toCRLF turns bare-LF text into CRLF text, leaving CRLF alone.
func toCRLF(b []byte) []byte {
	return bytes.ReplaceAll(toLF(b), []byte("\n"), []byte("\r\n"))
}

// toLF turns CRLF text into bare-LF text.
func toLF(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
}

// parseSIP parses raw SIP text with sipgo's parser, as the transport layer
// would. The public captures are stored with bare LF (they were pasted into
// text files); sipgo insists on CRLF, so bare-LF input is converted first.
// Fixtures without Content-Length get the rest of the input as body.
func parseSIP(tb testing.TB, raw []byte) *sip.Request {
	tb.Helper()
	if !bytes.Contains(raw, []byte("\r\n")) {
		raw = toCRLF(raw)
	}
	msg, err := sip.NewParser().ParseSIP(raw)
	if err != nil {
		tb.Fatalf("sipgo parse: %v", err)
	}
	req, ok := msg.(*sip.Request)
	if !ok {
		tb.Fatalf("not a request: %T", msg)
	}
	return req
}

// contentType returns a request's Content-Type value.
func contentType(req *sip.Request) string {
	if h := req.ContentType(); h != nil {
		return h.Value()
	}
	return ""
}

// mustKey panics on error; inputs are constants known to be valid.
func mustKey(k callkey.Key, err error) callkey.Key {
	if err != nil {
		panic(err)
	}
	return k
}

// body fixtures and the Content-Type the SBC put on them (the captures hold
// the body only).
var bodyFixtures = map[string]string{
	"avaya-sbce-1-body.sip":           "multipart/mixed;boundary=foobar",
	"broadworks-1-body-mangled.sip":   `multipart/mixed; boundary="UniqueBroadWorksBoundary"`,
	"cisco-1-body.sip":                "multipart/mixed;boundary=uniqueBoundary",
	"opensips-1-body.sip":             "multipart/mixed;boundary=OSS-unique-boundary-42",
	"oracle-4-body.sip":               "multipart/mixed;boundary=unique-boundary-1",
	"oracle-7-unescaped-uri-body.sip": "multipart/mixed;boundary=unique-boundary-1",
	"ribbon-sonus-1-body.sip":         "multipart/mixed; boundary=sonus-content-delim",
	"sems-1-body.sip":                 `Multipart/Mixed; Boundary="2CD2A2E9"`,
}

// requestFixtures are full SIP messages.
var requestFixtures = []string{
	"oracle-3.sip",
	"oracle-5-outbound-cnv.sip",
	"oracle-6-transfer.sip",
	"broadworks-2.sip",
	"avaya-sbce-1-update.sip",
}

// isNoSDP reports whether err says the body had no SDP.
func isNoSDP(err error) bool { return errors.Is(err, ErrNoSDP) }
