package negotiate

import (
	"net/netip"
	"slices"
)

// Reason says why an m-line was rejected (answered with port 0). Its String
// is a stable snake_case value meant for a metric label, so the SIP layer
// can count rejected streams without parsing error text (DESIGN §6).
type Reason uint8

// Reasons.
const (
	// ReasonNone: the stream is accepted.
	ReasonNone Reason = iota
	// ReasonDisabled: the SBC offered or answered port 0.
	ReasonDisabled
	// ReasonNotAudio: video, image (T.38), application, ...
	ReasonNotAudio
	// ReasonProto: a transport other than RTP/AVP and RTP/SAVP.
	ReasonProto
	// ReasonNoCodec: no PCMU, PCMA or G.722 among the formats.
	ReasonNoCodec
	// ReasonSRTPRequired: plain RTP/AVP under SRTPRequire.
	ReasonSRTPRequired
	// ReasonSRTPOff: RTP/SAVP under SRTPOff.
	ReasonSRTPOff
	// ReasonNoCrypto: RTP/SAVP without a usable a=crypto line.
	ReasonNoCrypto
)

// String returns the metric label value; "" for ReasonNone.
func (r Reason) String() string {
	switch r {
	case ReasonNone:
		return ""
	case ReasonDisabled:
		return "disabled"
	case ReasonNotAudio:
		return "not_audio"
	case ReasonProto:
		return "unsupported_proto"
	case ReasonNoCodec:
		return "no_codec"
	case ReasonSRTPRequired:
		return "srtp_required"
	case ReasonSRTPOff:
		return "srtp_off"
	case ReasonNoCrypto:
		return "no_crypto"
	}
	return "unknown"
}

// MarshalText makes JSON (the admin API's /v1/calls) show the label.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Stream is the negotiated state of one m-line: what the SBC sends and how,
// and what we answered. The media layer needs Accepted, LocalPort, Codec,
// DTMF, RemoteAddr/RemotePort and RemoteKey; the SIP layer needs New,
// Stopped and Reason.
type Stream struct {
	// Index is the m-line position, stable for the life of the dialog.
	Index int
	// Label is the a=label token linking the stream to SIPREC metadata.
	Label string
	// Media and Proto are the m= media type and transport, as offered.
	Media string
	Proto string

	// Accepted is false for an m-line answered with port 0; Reason says why.
	Accepted bool
	Reason   Reason

	// Codec is the audio format the SBC sends; DTMF is its telephone-event
	// format (DTMF.Name is "" when none was offered).
	Codec Format
	DTMF  Format
	// Ptime is the SBC's a=ptime in ms, 0 when it gave none.
	Ptime int

	// RemoteAddr and RemotePort are where the SBC's media comes from (its
	// c= and m= port); RemoteAddr is invalid when the SDP gave no IP.
	RemoteAddr netip.Addr
	RemotePort int
	// RemoteDirection is the SBC's direction attribute.
	RemoteDirection Direction
	// SRTP is true for RTP/SAVP. RemoteKey decrypts what the SBC sends;
	// LocalKey is the key we announced in our a=crypto (RFC 4568 keys
	// are per sender) and protects any RTCP we send.
	SRTP      bool
	RemoteKey SRTPKey
	LocalKey  SRTPKey

	// LocalPort is our RTP port for the stream. On a Stopped stream it is
	// the port the stream used, which the caller may now release.
	LocalPort int
	// Direction is the direction we put in our SDP for this m-line.
	Direction Direction

	// New is true for an accepted stream that had no port before: a new
	// m-line in a re-offer (a transfer adds streams) or a re-enabled one.
	// The caller allocates a port for it.
	New bool
	// Stopped is true for a stream that was accepted and no longer is (the
	// SBC set its port to 0).
	Stopped bool
	// Changed is true for a stream that stays accepted but whose remote
	// address, port, key, codec or label differ from before, so the media
	// layer must be reconfigured.
	Changed bool

	// fmts are the offered m= format tokens, echoed when rejecting.
	fmts []string
}

// decide applies codec and SRTP policy to one offered m-line. prefer is the
// codec in use on a re-offer, zero on a first offer.
func decide(m *Media, policy SRTPPolicy, prefer Format) Stream {
	st := Stream{
		Index:           m.Index,
		Label:           m.Label,
		Media:           m.Type,
		Proto:           m.Proto,
		Ptime:           m.Ptime,
		RemoteAddr:      m.Addr,
		RemotePort:      m.Port,
		RemoteDirection: m.Direction,
		SRTP:            m.SAVP(),
		fmts:            m.fmts,
	}
	switch {
	case m.Port == 0:
		st.Reason = ReasonDisabled
	case m.Type != "audio":
		st.Reason = ReasonNotAudio
	case !m.AVP() && !m.SAVP():
		st.Reason = ReasonProto
	case st.SRTP && policy == SRTPOff:
		st.Reason = ReasonSRTPOff
	case !st.SRTP && policy == SRTPRequire:
		st.Reason = ReasonSRTPRequired
	}
	if st.Reason != ReasonNone {
		return st
	}
	codec, dtmf, ok := chooseCodec(m.Formats, prefer)
	if !ok {
		st.Reason = ReasonNoCodec
		return st
	}
	if st.SRTP {
		// Every key ParseOffer kept is of a suite we support, so the
		// first one honours the offerer's preference order.
		if len(m.Crypto) == 0 {
			st.Reason = ReasonNoCrypto
			return st
		}
		st.RemoteKey = m.Crypto[0]
	}
	st.Accepted, st.Codec, st.DTMF = true, codec, dtmf
	return st
}

// remoteDiffers reports whether what the media layer was set up with has
// changed between two accepted versions of a stream.
func remoteDiffers(a, b *Stream) bool {
	return a.RemoteAddr != b.RemoteAddr || a.RemotePort != b.RemotePort ||
		!a.RemoteKey.equal(b.RemoteKey) || !sameFormat(a.Codec, b.Codec) ||
		!sameFormat(a.DTMF, b.DTMF) || a.Label != b.Label || a.Media != b.Media
}

// sameFormat compares what the decoder depends on; an answer commonly
// drops the a=fmtp of the offer, which changes nothing for us.
func sameFormat(a, b Format) bool {
	return a.PT == b.PT && a.Name == b.Name && a.ClockRate == b.ClockRate && a.Channels == b.Channels
}

// Receiving reports whether media should flow from the SBC on this stream:
// accepted, we said we receive, and the SBC said it sends. The SBC may
// answer our recvonly with inactive (hold on its side).
func (s *Stream) Receiving() bool {
	return s.Accepted && s.Direction&RecvOnly != 0 && s.RemoteDirection&SendOnly != 0
}

// cloneStreams copies streams and clears the per-exchange flags, which
// describe one offer/answer round only; a rejected stream no longer owns
// the port a Stopped flag reported.
func cloneStreams(in []Stream) []Stream {
	out := slices.Clone(in)
	for i := range out {
		st := &out[i]
		st.New, st.Stopped, st.Changed = false, false, false
		if !st.Accepted {
			st.LocalPort = 0
		}
	}
	return out
}
