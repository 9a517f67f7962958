package negotiate

import (
	"fmt"
	"net/netip"
	"strings"
)

// Limits on what ParseOffer accepts. A SIPREC offer carries a few m-lines
// of a few hundred bytes each; the caps bound the work an SBC (or anyone
// who reaches the SIP port) can make us do per INVITE.
const (
	// MaxSize is the largest SDP body accepted, in bytes.
	MaxSize = 16 << 10
	// MaxMedia is the largest number of m= lines accepted. Oracle sends
	// four after a transfer (two live streams, two inactive ones).
	MaxMedia = 16
)

// Origin is the o= line, kept as written: it is only compared, never
// interpreted, so a non-numeric session id does not fail a call.
type Origin struct {
	Username  string
	SessionID string
	Version   string
	Address   string
}

// Offer is a parsed SDP from the SBC: the offer of its INVITE or re-INVITE,
// or the answer to ours.
type Offer struct {
	// Origin is the o= line.
	Origin Origin
	// Media has one entry per m= line, in order.
	Media []Media

	// sum fingerprints the normalised body, so that a session-timer refresh
	// that resends the same SDP is recognised (see Session.Plan).
	sum uint64
}

// Media is one m= line of an offer with its attributes resolved.
type Media struct {
	// Index is the position of the m= line, from 0.
	Index int
	// Type is the media type: "audio", "video", "image", ...
	Type string
	// Port is the m= port; 0 means the stream is disabled or stopped.
	Port int
	// Proto is the transport as written: "RTP/AVP", "RTP/SAVP", "udptl", ...
	Proto string
	// Addr is the connection address, media-level c= overriding the
	// session-level one. It is invalid when the SDP has no c= at all
	// (OpenSIPS) or gives a host name; the media layer then learns the peer
	// from the first packet.
	Addr netip.Addr
	// Host is the c= address as written, "" when there is none.
	Host string
	// Direction is the media-level direction attribute, else the
	// session-level one, else sendrecv (RFC 4566 default).
	Direction Direction
	// Label is the a=label token (RFC 4574) that ties the stream to the
	// SIPREC metadata; "" when absent.
	Label string
	// Formats are the RTP payload formats in m= line order, resolved from
	// a=rtpmap, a=fmtp and the RFC 3551 static table. A dynamic payload type
	// without a=rtpmap has an empty Name.
	Formats []Format
	// Ptime and MaxPtime are a=ptime and a=maxptime in ms, 0 when absent.
	Ptime    int
	MaxPtime int
	// Crypto holds the usable SDES a=crypto lines in offer order; lines with
	// an unsupported suite, a bad key or an MKI are left out.
	Crypto []SRTPKey

	// fmts are the m= format tokens as written: RFC 3264 section 6 wants
	// them echoed on a rejected m-line, and they need not be numbers (T.38).
	fmts []string
}

// SAVP reports whether the m-line uses SDES-keyed SRTP (RTP/SAVP).
func (m *Media) SAVP() bool { return strings.EqualFold(m.Proto, "RTP/SAVP") }

// AVP reports whether the m-line uses plain RTP (RTP/AVP).
func (m *Media) AVP() bool { return strings.EqualFold(m.Proto, "RTP/AVP") }

// ParseOffer parses an SDP body sent by the SBC. It is deliberately
// tolerant of what real SBCs send and pion/sdp refuses: no c= or t= line
// (OpenSIPS), bare LF line ends, blank lines and trailing blanks, media
// types and protocols pion does not know (m=image ... udptl t38), unknown
// line types and attributes. It fails, with a wrapped sentinel, only on what
// makes negotiation impossible: a body that is not SDP (ErrNotSDP), too big
// (ErrTooLarge), without m= lines (ErrNoMedia) or with too many
// (ErrTooManyMedia), a malformed m= line (ErrBadMedia, ErrBadPort) or c=
// line (ErrBadConnection, ErrBadAddress). It never panics.
func ParseOffer(b []byte) (*Offer, error) {
	o, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("negotiate: parse offer: %w", err)
	}
	return o, nil
}
