package callgen

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/sdes"
	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/pion/sdp/v3"
)

// SDP directions.
const (
	dirSendRecv = "sendrecv"
	dirSendOnly = "sendonly"
	dirRecvOnly = "recvonly"
	dirInactive = "inactive"
)

// media is what one m-line of a received SDP says.
type media struct {
	addr   netip.Addr // effective c= address
	port   int
	proto  string
	dir    string
	label  string
	crypto []string // a=crypto values
}

// dest returns where to send this stream's RTP.
func (m media) dest() netip.AddrPort {
	return netip.AddrPortFrom(m.addr.Unmap(), uint16(m.port))
}

// parseSDP extracts the m-lines of an SDP body.
func parseSDP(b []byte) ([]media, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: SDP: %w", ErrProtocol, err)
	}
	sessAddr := connAddr(sd.ConnectionInformation)
	sessDir := dirSendRecv
	for _, a := range sd.Attributes {
		if isDirection(a.Key) {
			sessDir = a.Key
		}
	}
	var out []media
	for _, md := range sd.MediaDescriptions {
		m := media{addr: sessAddr, port: md.MediaName.Port.Value, dir: sessDir}
		if len(md.MediaName.Protos) > 0 {
			m.proto = joinProtos(md.MediaName.Protos)
		}
		if a := connAddr(md.ConnectionInformation); a.IsValid() {
			m.addr = a
		}
		for _, a := range md.Attributes {
			switch {
			case isDirection(a.Key):
				m.dir = a.Key
			case a.Key == "label":
				m.label = a.Value
			case a.Key == "crypto":
				m.crypto = append(m.crypto, a.Value)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func connAddr(ci *sdp.ConnectionInformation) netip.Addr {
	if ci == nil || ci.Address == nil {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(ci.Address.Address)
	if err != nil {
		return netip.Addr{}
	}
	return a
}

func joinProtos(p []string) string {
	var b bytes.Buffer
	for i, s := range p {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s)
	}
	return b.String()
}

func isDirection(k string) bool {
	switch k {
	case dirSendRecv, dirSendOnly, dirRecvOnly, dirInactive:
		return true
	}
	return false
}

// sdpLeg is one of our m-lines.
type sdpLeg struct {
	port   int
	label  string
	dir    string
	crypto *sdes.Crypto
}

// buildSDP renders our SDP the way an Oracle SBC does: one audio m-line per
// leg with G.711 and telephone-event, ptime, a label and a direction; with
// SDES the profile is RTP/SAVP and each m-line carries its own key.
func buildSDP(ip netip.Addr, sessID, version uint64, legs [2]sdpLeg, codec tone.Codec, ptime time.Duration) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "v=0\r\no=- %d %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n", sessID, version, ip, ip)
	pt := strconv.Itoa(int(codec.PayloadType()))
	for _, l := range legs {
		proto := "RTP/AVP"
		if l.crypto != nil {
			proto = "RTP/SAVP"
		}
		fmt.Fprintf(&b, "m=audio %d %s %s 101\r\n", l.port, proto, pt)
		fmt.Fprintf(&b, "a=rtpmap:%s %s/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n", pt, codec)
		fmt.Fprintf(&b, "a=ptime:%d\r\n", ptime/time.Millisecond)
		if l.crypto != nil {
			fmt.Fprintf(&b, "a=crypto:%s\r\n", l.crypto.String())
		}
		fmt.Fprintf(&b, "a=label:%s\r\na=%s\r\n", l.label, l.dir)
	}
	return b.Bytes()
}
