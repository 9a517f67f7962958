package srs_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// mline is one m= line of an SBC offer.
type mline struct {
	port   int
	proto  string   // default RTP/AVP
	fmts   string   // default "0 101"
	attrs  []string // default PCMU + telephone-event rtpmaps
	label  string
	dir    string // default sendonly
	crypto string // a=crypto value for RTP/SAVP
}

// oracleLine is an m-line as Oracle offers it (oracle-3.sip).
func oracleLine(port int, label string) mline { return mline{port: port, label: label} }

// sdpOffer renders an SBC SDP with version ver of its o= line.
func sdpOffer(ver int, lines ...mline) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- 4767439 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n", ver)
	for _, l := range lines {
		proto, fmts, dir := l.proto, l.fmts, l.dir
		if proto == "" {
			proto = "RTP/AVP"
		}
		if fmts == "" {
			fmts = "0 101"
		}
		if dir == "" {
			dir = "sendonly"
		}
		fmt.Fprintf(&b, "m=audio %d %s %s\r\n", l.port, proto, fmts)
		attrs := l.attrs
		if attrs == nil {
			attrs = []string{"rtpmap:0 PCMU/8000", "rtpmap:101 telephone-event/8000", "fmtp:101 0-15", "ptime:20"}
		}
		for _, a := range attrs {
			fmt.Fprintf(&b, "a=%s\r\n", a)
		}
		if l.crypto != "" {
			fmt.Fprintf(&b, "a=crypto:%s\r\n", l.crypto)
		}
		if l.label != "" {
			fmt.Fprintf(&b, "a=label:%s\r\n", l.label)
		}
		fmt.Fprintf(&b, "a=%s\r\n", dir)
	}
	return b.String()
}

// part is one part of a multipart body.
type part struct {
	ctype   string
	headers []string
	content string
}

const boundary = "unique-boundary-1"

// multipartCT is the Content-Type of the bodies multipart builds.
const multipartCT = "multipart/mixed;boundary=" + boundary

// multipart renders parts as Oracle does.
func multipart(parts ...part) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s\r\n", boundary, p.ctype)
		for _, h := range p.headers {
			b.WriteString(h + "\r\n")
		}
		b.WriteString("\r\n" + p.content)
		if !strings.HasSuffix(p.content, "\n") {
			b.WriteString("\r\n")
		}
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

func sdpPart(sdp string) part { return part{ctype: "application/sdp", content: sdp} }

func metadataPart(xml string) part {
	return part{ctype: "application/rs-metadata+xml", headers: []string{"Content-Disposition: recording-session"}, content: xml}
}

// oracleMeta parameterises testdata/oracle.xml.tmpl.
type oracleMeta struct {
	UCID       string // apkt:ucid; none when empty
	CNV        string // participant apkt:header x-inin-cnv; none when empty
	RequestURI string
	Labels     [2]string
}

var templates = sync.OnceValues(func() (*template.Template, error) {
	return template.ParseGlob(filepath.Join("testdata", "*.tmpl"))
})

func render(t testing.TB, name string, data any) string {
	t.Helper()
	tmpl, err := templates()
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		t.Fatalf("template %s: %v", name, err)
	}
	return b.String()
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return string(b)
}

func (m oracleMeta) render(t testing.TB) string {
	if m.RequestURI == "" {
		m.RequestURI = "sip:1970900410@elr11.uhgvcc.globalipcom.com"
	}
	return render(t, "oracle.xml.tmpl", m)
}

// ucidSeq makes every test call's UCID unique within the binary.
var ucidSeq atomic.Uint32

// newUCID returns a fresh UCID in Oracle's hex spelling.
func newUCID() string {
	return fmt.Sprintf("0047%04X69FA4805", uint16(ucidSeq.Add(1)))
}

func ucidKey(t testing.TB, s string) callkey.Key {
	t.Helper()
	k, err := callkey.UCID(s)
	if err != nil {
		t.Fatalf("UCID %q: %v", s, err)
	}
	return k
}

// oracleCall describes an Oracle INVITE: its keys, labels and media ports.
type oracleCall struct {
	ucid   string
	labels [2]string
	ports  [2]int
}

func newOracleCall() oracleCall {
	return oracleCall{ucid: newUCID(), labels: [2]string{"739440565", "739440566"}, ports: [2]int{34866, 34870}}
}

func (o oracleCall) sdp(ver int) string {
	return sdpOffer(ver, oracleLine(o.ports[0], o.labels[0]), oracleLine(o.ports[1], o.labels[1]))
}

func (o oracleCall) meta(t testing.TB) string {
	return oracleMeta{UCID: o.ucid, Labels: o.labels}.render(t)
}

// body is the multipart body of the Oracle INVITE: SDP first, metadata second.
func (o oracleCall) body(t testing.TB) []byte {
	return multipart(sdpPart(o.sdp(382445)), metadataPart(o.meta(t)))
}

// oracleHeaders are the SIPREC headers of oracle-3.sip.
var oracleHeaders = []string{"Require: siprec", "Supported: siprec"}
