package tone

// The G.711 coders below follow the ITU-T G.191 reference implementation of
// G.711 (ulaw_compress/ulaw_expand, alaw_compress/alaw_expand) on 16-bit
// left-justified linear samples: μ-law uses the top 14 bits, A-law the top 13.
// Negative inputs are folded with one's complement as G.711 specifies, so the
// decision values are symmetric around zero.

// LinearToULaw encodes one 16-bit linear sample as a G.711 μ-law octet.
func LinearToULaw(s int16) byte {
	x := int32(s)
	var absno int32
	if x < 0 {
		absno = ((^x) >> 2) + 33
	} else {
		absno = (x >> 2) + 33
	}
	if absno > 0x1fff {
		absno = 0x1fff
	}
	segno := int32(1)
	for i := absno >> 6; i != 0; i >>= 1 {
		segno++
	}
	high := 8 - segno
	low := 0xf - ((absno >> segno) & 0xf)
	out := byte(high<<4 | low)
	if x >= 0 {
		out |= 0x80
	}
	return out
}

// ULawToLinear decodes a G.711 μ-law octet to a 16-bit linear sample.
func ULawToLinear(u byte) int16 {
	m := int32(^u)
	exponent := (m >> 4) & 7
	step := int32(4) << (exponent + 1)
	v := (int32(0x80) << exponent) + step*(m&0xf) + step/2 - 4*33
	if u < 0x80 {
		v = -v
	}
	return int16(v)
}

// LinearToALaw encodes one 16-bit linear sample as a G.711 A-law octet.
func LinearToALaw(s int16) byte {
	x := int32(s)
	var ix int32
	if x < 0 {
		ix = (^x) >> 4
	} else {
		ix = x >> 4
	}
	if ix > 15 {
		iexp := int32(1)
		for ix > 16+15 {
			ix >>= 1
			iexp++
		}
		ix -= 16
		ix += iexp << 4
	}
	if x >= 0 {
		ix |= 0x80
	}
	return byte(ix ^ 0x55)
}

// ALawToLinear decodes a G.711 A-law octet to a 16-bit linear sample.
func ALawToLinear(a byte) int16 {
	ix := int32(a^0x55) & 0x7f
	iexp := ix >> 4
	mant := ix & 0xf
	if iexp > 0 {
		mant += 16
	}
	mant = (mant << 4) + 8
	if iexp > 1 {
		mant <<= iexp - 1
	}
	if a < 0x80 {
		mant = -mant
	}
	return int16(mant)
}

// Codec is a G.711 law with its static RTP payload type.
type Codec uint8

// The two G.711 laws.
const (
	PCMU Codec = 0 // μ-law, RTP payload type 0
	PCMA Codec = 8 // A-law, RTP payload type 8
)

// PayloadType returns the static RTP payload type (RFC 3551).
func (c Codec) PayloadType() uint8 { return uint8(c) }

// String returns the RTP encoding name as used in SDP rtpmap.
func (c Codec) String() string {
	if c == PCMA {
		return "PCMA"
	}
	return "PCMU"
}

// Encode encodes one sample.
func (c Codec) Encode(s int16) byte {
	if c == PCMA {
		return LinearToALaw(s)
	}
	return LinearToULaw(s)
}

// Decode decodes one octet.
func (c Codec) Decode(b byte) int16 {
	if c == PCMA {
		return ALawToLinear(b)
	}
	return ULawToLinear(b)
}

// AppendEncode appends the encoding of src to dst.
func (c Codec) AppendEncode(dst []byte, src []int16) []byte {
	for _, s := range src {
		dst = append(dst, c.Encode(s))
	}
	return dst
}

// AppendDecode appends the decoding of src to dst.
func (c Codec) AppendDecode(dst []int16, src []byte) []int16 {
	for _, b := range src {
		dst = append(dst, c.Decode(b))
	}
	return dst
}
