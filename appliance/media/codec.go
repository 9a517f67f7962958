package media

import "strings"

// Codec is a payload format the media plane understands.
type Codec uint8

// Codecs. G.722 carries 16 kHz audio and is decoded to 8 kHz;
// telephone-event (RFC 4733) is counted, never mixed.
const (
	// CodecNone marks a payload type that is not negotiated.
	CodecNone Codec = iota
	// CodecPCMU is G.711 mu-law.
	CodecPCMU
	// CodecPCMA is G.711 A-law.
	CodecPCMA
	// CodecG722 is ITU-T G.722 at 64 kbit/s.
	CodecG722
	// CodecTelephoneEvent is RFC 4733 DTMF.
	CodecTelephoneEvent
)

// String returns the SDP encoding name.
func (c Codec) String() string {
	switch c {
	case CodecPCMU:
		return "PCMU"
	case CodecPCMA:
		return "PCMA"
	case CodecG722:
		return "G722"
	case CodecTelephoneEvent:
		return "telephone-event"
	}
	return "none"
}

// CodecByName maps an SDP rtpmap encoding name and clock rate to a Codec,
// or CodecNone when the media plane cannot use it; the SIP layer answers
// such m-lines with port 0. Names are case-insensitive (RFC 4855). Audio
// codecs must use the 8 kHz RTP clock (G.722's too, RFC 3551 §4.5.2): the
// jitter buffer counts one timestamp unit as one output sample.
func CodecByName(name string, clockRate int) Codec {
	switch {
	case strings.EqualFold(name, "telephone-event"):
		return CodecTelephoneEvent
	case clockRate != SampleRate:
		return CodecNone
	case strings.EqualFold(name, "PCMU"):
		return CodecPCMU
	case strings.EqualFold(name, "PCMA"):
		return CodecPCMA
	case strings.EqualFold(name, "G722"):
		return CodecG722
	}
	return CodecNone
}

// audio reports whether c carries audio to decode.
func (c Codec) audio() bool {
	return c == CodecPCMU || c == CodecPCMA || c == CodecG722
}

// payloadTable maps the 7-bit RTP payload type to a codec: an array rather
// than the caller's map so the per-packet lookup is an index.
type payloadTable [128]Codec

func newPayloadTable(m map[uint8]Codec) (payloadTable, bool) {
	var t payloadTable
	audio := false
	for pt, c := range m {
		if pt > 127 || c > CodecTelephoneEvent {
			return t, false
		}
		t[pt] = c
		audio = audio || c.audio()
	}
	return t, audio
}
