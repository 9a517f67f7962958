package audiohook

import "math/bits"

// G.711 mu-law (ITU-T G.711, the segment encoding of the Sun reference
// g711.c): a 14-bit magnitude with a bias of 0x84, clipped at 32635, in
// eight segments of sixteen steps, bits inverted on the wire. Computed, not
// tabled, so the package has no init-time state; g711_test.go checks the
// round trip of all 256 codes and the segment boundaries.
const (
	ulawBias = 0x84
	ulawClip = 32635
)

// EncodeULaw returns the mu-law code of a 16-bit linear sample.
func EncodeULaw(s int16) byte {
	v := int32(s)
	sign := byte(0)
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	exp := bits.Len32(uint32(v>>7)) - 1 // v>>7 is 1..255, so exp is 0..7
	mant := byte(v>>(uint(exp)+3)) & 0x0f
	return ^(sign | byte(exp)<<4 | mant)
}

// DecodeULaw returns the 16-bit linear value of a mu-law code.
func DecodeULaw(u byte) int16 {
	u = ^u
	t := (int32(u&0x0f)<<3 + ulawBias) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}
