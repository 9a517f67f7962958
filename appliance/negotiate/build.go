package negotiate

import (
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// build writes the SDP for our side of an exchange. The same layout serves
// answers and our re-INVITE offers: one m-line per stream in index order
// (RFC 3264 section 6 and 8 forbid reordering or removing m-lines), each
// with its label echoed (RFC 7866 section 8.1.1), accepted lines with our
// port, one codec plus telephone-event, our a=crypto and our direction,
// rejected lines with port 0 and the formats that were offered.
//
// pion/sdp does the writing: its Marshal emits RFC 4566 order and CRLF, and
// anything built from its types re-parses with it (tests check that). The
// exception is an m-line pion's parser does not know, such as a rejected
// m=image udptl line, which we must echo anyway.
func build(l *Local, version uint64, streams []Stream) []byte {
	addr := l.addr.String()
	d := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       originUser,
			SessionID:      l.sessionID,
			SessionVersion: version,
			NetworkType:    "IN",
			AddressType:    l.ipType(),
			UnicastAddress: addr,
		},
		SessionName: "-",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: l.ipType(),
			Address:     &sdp.Address{Address: addr},
		},
		TimeDescriptions:  []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: make([]*sdp.MediaDescription, len(streams)),
	}
	for i := range streams {
		d.MediaDescriptions[i] = buildMedia(&streams[i])
	}
	b, _ := d.Marshal() // Marshal never fails; its error is for future use
	return b
}

func buildMedia(st *Stream) *sdp.MediaDescription {
	md := &sdp.MediaDescription{MediaName: sdp.MediaName{
		Media:  st.Media,
		Protos: strings.Split(st.Proto, "/"),
	}}
	if !st.Accepted {
		// RFC 3264 section 6: a rejected stream keeps its media type and
		// transport, port 0, and the formats of the offer.
		md.MediaName.Formats = st.fmts
		if st.Label != "" {
			md.WithValueAttribute("label", st.Label)
		}
		return md
	}
	md.MediaName.Port.Value = st.LocalPort
	md.MediaName.Formats = []string{strconv.Itoa(int(st.Codec.PT))}
	md.WithValueAttribute("rtpmap", st.Codec.rtpmap())
	if st.Codec.Fmtp != "" {
		md.WithValueAttribute("fmtp", strconv.Itoa(int(st.Codec.PT))+" "+st.Codec.Fmtp)
	}
	if st.DTMF.Name != "" {
		md.MediaName.Formats = append(md.MediaName.Formats, strconv.Itoa(int(st.DTMF.PT)))
		md.WithValueAttribute("rtpmap", st.DTMF.rtpmap())
		if st.DTMF.Fmtp != "" {
			md.WithValueAttribute("fmtp", strconv.Itoa(int(st.DTMF.PT))+" "+st.DTMF.Fmtp)
		}
	}
	if st.Ptime > 0 {
		md.WithValueAttribute("ptime", strconv.Itoa(st.Ptime))
	}
	md.WithPropertyAttribute(st.Direction.String())
	if st.Label != "" {
		md.WithValueAttribute("label", st.Label)
	}
	if st.SRTP {
		md.WithValueAttribute("crypto", st.LocalKey.cryptoAttr())
	}
	return md
}
