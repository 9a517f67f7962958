package srstest

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/netip"
	"strings"

	"github.com/pion/sdp/v3"
)

// mline is one m-line of the SBC's offer.
type mline struct {
	addr   netip.Addr
	port   int
	proto  string
	dir    string
	label  string
	crypto []string
	pt     uint8
}

// splitBody returns the SDP and metadata parts of a SIPREC body (or the
// whole body as SDP when it is not multipart).
func splitBody(contentType string, body []byte) (sdpPart, meta []byte, err error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	if mt == "application/sdp" {
		return body, nil, nil
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return nil, nil, fmt.Errorf("unexpected content type %q", mt)
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); {
		case ct == "application/sdp":
			sdpPart = b
		case strings.HasPrefix(ct, "application/rs-metadata"):
			meta = b
		}
	}
	if sdpPart == nil {
		return nil, nil, fmt.Errorf("no application/sdp part")
	}
	return sdpPart, meta, nil
}

// parseSDP extracts the m-lines of an SDP.
func parseSDP(b []byte) ([]mline, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(b); err != nil {
		return nil, err
	}
	var sessAddr netip.Addr
	if ci := sd.ConnectionInformation; ci != nil && ci.Address != nil {
		sessAddr, _ = netip.ParseAddr(ci.Address.Address)
	}
	var out []mline
	for _, md := range sd.MediaDescriptions {
		m := mline{addr: sessAddr, port: md.MediaName.Port.Value, dir: "sendrecv", proto: strings.Join(md.MediaName.Protos, "/")}
		if ci := md.ConnectionInformation; ci != nil && ci.Address != nil {
			m.addr, _ = netip.ParseAddr(ci.Address.Address)
		}
		if len(md.MediaName.Formats) > 0 && md.MediaName.Formats[0] == "8" {
			m.pt = 8
		}
		for _, a := range md.Attributes {
			switch a.Key {
			case "sendrecv", "sendonly", "recvonly", "inactive":
				m.dir = a.Key
			case "label":
				m.label = a.Value
			case "crypto":
				m.crypto = append(m.crypto, a.Value)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// answerLeg is one m-line of our SDP.
type answerLeg struct {
	port   int
	label  string
	pt     uint8
	crypto string // a=crypto value, empty for RTP/AVP
}

// buildSDP renders our SDP with one direction for every m-line.
func buildSDP(ip netip.Addr, version int, legs []answerLeg, dir string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "v=0\r\no=srstest 1 %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n", version, ip, ip)
	for _, l := range legs {
		proto := "RTP/AVP"
		if l.crypto != "" {
			proto = "RTP/SAVP"
		}
		name := "PCMU"
		if l.pt == 8 {
			name = "PCMA"
		}
		fmt.Fprintf(&b, "m=audio %d %s %d\r\na=rtpmap:%d %s/8000\r\n", l.port, proto, l.pt, l.pt, name)
		if l.crypto != "" {
			fmt.Fprintf(&b, "a=crypto:%s\r\n", l.crypto)
		}
		fmt.Fprintf(&b, "a=label:%s\r\na=%s\r\n", l.label, dir)
	}
	return b.Bytes()
}
