package negotiate

import (
	"strconv"
	"strings"
)

// Format is one RTP payload format offered on an m-line.
type Format struct {
	// PT is the RTP payload type from the m= line.
	PT uint8
	// Name is the encoding name: upper case ("PCMU", "G722"), except
	// "telephone-event" which keeps its registered spelling. Encoding
	// names are case-insensitive (RFC 4855), so Oracle's "pcmu" is "PCMU".
	Name string
	// ClockRate is the RTP clock rate; 8000 for G.722 (RFC 3551 section 4.5.2).
	ClockRate int
	// Channels is 1 unless the rtpmap says otherwise.
	Channels int
	// Fmtp holds the a=fmtp parameters for PT, "" when none.
	Fmtp string
}

// Decodable reports whether the media layer decodes this format: PCMU,
// PCMA and G.722, mono, at the RTP clock rate their payload types imply.
func (f Format) Decodable() bool {
	if f.ClockRate != 8000 || f.Channels != 1 {
		return false
	}
	switch f.Name {
	case "PCMU", "PCMA", "G722":
		return true
	}
	return false
}

// IsDTMF reports whether f is an RFC 4733 telephone-event format.
func (f Format) IsDTMF() bool { return f.Name == "telephone-event" }

// AudioRate returns the sampling rate of the decoded audio, which differs
// from ClockRate for G.722: its RTP clock is 8000 for historical reasons
// but it carries 16 kHz audio.
func (f Format) AudioRate() int {
	if f.Name == "G722" {
		return 16000
	}
	return f.ClockRate
}

// rtpmap renders the value of an a=rtpmap attribute for f.
func (f Format) rtpmap() string {
	s := strconv.Itoa(int(f.PT)) + " " + f.Name + "/" + strconv.Itoa(f.ClockRate)
	if f.Channels > 1 {
		s += "/" + strconv.Itoa(f.Channels)
	}
	return s
}

// staticFormat returns the RFC 3551 definition of a static audio payload
// type, which SBCs may offer without an a=rtpmap line.
func staticFormat(pt uint8) (Format, bool) {
	var name string
	switch pt {
	case 0:
		name = "PCMU"
	case 3:
		name = "GSM"
	case 4:
		name = "G723"
	case 8:
		name = "PCMA"
	case 9:
		name = "G722"
	case 13:
		name = "CN"
	case 15:
		name = "G728"
	case 18:
		name = "G729"
	default:
		return Format{}, false
	}
	return Format{PT: pt, Name: name, ClockRate: 8000, Channels: 1}, true
}

// canonicalName folds an encoding name to the spelling Format documents.
func canonicalName(s string) string {
	if strings.EqualFold(s, "telephone-event") {
		return "telephone-event"
	}
	return strings.ToUpper(s)
}

// ChooseCodec picks the audio format to answer with from an m-line's
// formats: the first one in the offer's order that we decode (RFC 3264
// leaves the choice to the answerer; following the offerer's preference is
// what SBC administrators expect), and the telephone-event format with the
// same clock rate, if any, which is kept in the answer so DTMF can be
// counted. ok is false when the m-line has no format we decode.
func ChooseCodec(formats []Format) (codec, dtmf Format, ok bool) {
	return chooseCodec(formats, Format{})
}

// chooseCodec is ChooseCodec with a preferred format: on a re-offer the
// codec in use is kept when it is still offered, so the media layer does
// not switch decoders for nothing.
func chooseCodec(formats []Format, prefer Format) (codec, dtmf Format, ok bool) {
	for _, f := range formats {
		if f.Decodable() && prefer.Name != "" && f.Name == prefer.Name && f.PT == prefer.PT {
			codec, ok = f, true
			break
		}
	}
	if !ok {
		for _, f := range formats {
			if f.Decodable() {
				codec, ok = f, true
				break
			}
		}
	}
	if !ok {
		return Format{}, Format{}, false
	}
	for _, f := range formats {
		if f.IsDTMF() && f.ClockRate == codec.ClockRate && f.Channels == 1 {
			return codec, f, true
		}
	}
	return codec, Format{}, true
}
