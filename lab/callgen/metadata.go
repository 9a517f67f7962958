package callgen

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// boundary is the multipart boundary Oracle SBCs use.
const boundary = "unique-boundary-1"

// party is one participant of the recorded call.
type party struct {
	id      string
	aor     string // sip URI
	name    string
	calling bool
	stream  string // id of the stream this party sends
	headers map[string]string
}

// metadata is what an Oracle SBC tells the SRS about the call.
type metadata struct {
	session  string
	ucid     string // empty for none
	parties  [2]party
	labels   [2]string
	streams  [2]string
	at       time.Time
	datamode string
}

// xmlText escapes s for element content and attribute values.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// marshal renders the metadata the way Oracle does: namespace
// urn:ietf:params:xml:ns:recording (no ":1"), <participant id= session=>
// with <send>, apkt extension data with the one-slash namespace at session
// level and the two-slash one at participant level, as in oracle-3.sip.
func (m metadata) marshal() []byte {
	var b bytes.Buffer
	at := m.at.UTC().Format("2006-01-02T15:04:05")
	b.WriteString("<?xml version='1.0' encoding='UTF-8'?>\r\n")
	b.WriteString("<recording xmlns='urn:ietf:params:xml:ns:recording'>\r\n")
	fmt.Fprintf(&b, "<datamode>%s</datamode>\r\n", m.datamode)
	fmt.Fprintf(&b, "<session id=\"%s\">\r\n<associate-time>%s</associate-time>\r\n", m.session, at)
	b.WriteString("<extensiondata xmlns:apkt=\"http:/acmepacket.com/siprec/extensiondata\">\r\n")
	if m.ucid != "" {
		fmt.Fprintf(&b, "<apkt:ucid>%s</apkt:ucid>\r\n", xmlText(m.ucid))
	}
	b.WriteString("<apkt:callerOrig>true</apkt:callerOrig>\r\n</extensiondata>\r\n</session>\r\n")
	for _, p := range m.parties {
		fmt.Fprintf(&b, "<participant id=\"%s\" session=\"%s\">\r\n", p.id, m.session)
		fmt.Fprintf(&b, "<nameID aor=\"%s\">\r\n<name>%s</name>\r\n</nameID>\r\n", xmlText(p.aor), xmlText(p.name))
		fmt.Fprintf(&b, "<send>%s</send>\r\n<associate-time>%s</associate-time>\r\n", p.stream, at)
		b.WriteString("<extensiondata xmlns:apkt=\"http://acmepacket.com/siprec/extensiondata\">\r\n")
		fmt.Fprintf(&b, "<apkt:callingParty>%t</apkt:callingParty>\r\n", p.calling)
		for _, label := range []string{"Call-ID", "User-to-User", "x-inin-cnv"} {
			if v, ok := p.headers[label]; ok {
				fmt.Fprintf(&b, "<apkt:header label=\"%s\">\r\n<value>%s</value>\r\n</apkt:header>\r\n", label, xmlText(v))
			}
		}
		b.WriteString("</extensiondata>\r\n</participant>\r\n")
	}
	for i, s := range m.streams {
		fmt.Fprintf(&b, "<stream id=\"%s\" session=\"%s\">\r\n<label>%s</label>\r\n<mode>separate</mode>\r\n<associate-time>%s</associate-time>\r\n</stream>\r\n",
			s, m.session, m.labels[i], at)
	}
	b.WriteString("</recording>\r\n")
	return b.Bytes()
}

// multipartBody joins the SDP and the metadata the way Oracle does.
func multipartBody(sdp, meta []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/sdp\r\n\r\n", boundary)
	b.Write(sdp)
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: application/rs-metadata+xml\r\nContent-Disposition: recording-session\r\n\r\n", boundary)
	b.Write(meta)
	fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	return b.Bytes()
}

// multipartType is the Content-Type of multipartBody.
const multipartType = "multipart/mixed;boundary=" + boundary
