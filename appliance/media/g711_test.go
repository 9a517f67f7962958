package media

import "testing"

// The reference expansions below follow ITU-T G.711 tables 1a and 2a: a
// code is sign, 3-bit segment (exponent) and 4-bit step (mantissa); the
// decoder output is the middle of the step's decision interval, here
// scaled from the standard's 14-bit (mu-law) and 13-bit (A-law) range to
// 16 bits.

func refULaw(code byte) int16 {
	u := ^code // mu-law codes are transmitted inverted
	exp := int(u>>4) & 7
	mant := int(u & 0x0f)
	mag := ((2*mant+33)<<exp - 33) << 2 // 14-bit interval centre, to 16 bits
	if u&0x80 != 0 {
		return int16(-mag)
	}
	return int16(mag)
}

func refALaw(code byte) int16 {
	a := code ^ 0x55 // even bits are inverted on the line
	exp := int(a>>4) & 7
	mant := int(a & 0x0f)
	var mag int
	if exp == 0 {
		mag = 2*mant + 1
	} else {
		mag = (2*mant + 33) << (exp - 1)
	}
	mag <<= 3 // 13 bits to 16
	if a&0x80 != 0 {
		return int16(mag)
	}
	return int16(-mag)
}

func TestG711TablesMatchReference(t *testing.T) {
	tests := map[string]struct {
		table *[256]int16
		ref   func(byte) int16
	}{
		"PCMU": {&ulawTable, refULaw},
		"PCMA": {&alawTable, refALaw},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for c := range 256 {
				if got, want := tc.table[c], tc.ref(byte(c)); got != want {
					t.Errorf("code 0x%02x: table %d, G.711 %d", c, got, want)
				}
			}
		})
	}
}

func TestG711KnownValues(t *testing.T) {
	tests := map[string]struct {
		table *[256]int16
		code  byte
		want  int16
	}{
		"mu-law zero (0xff)":    {&ulawTable, 0xff, 0},
		"mu-law negative zero":  {&ulawTable, 0x7f, 0},
		"mu-law max (0x80)":     {&ulawTable, 0x80, 32124},
		"mu-law min (0x00)":     {&ulawTable, 0x00, -32124},
		"A-law smallest (0xd5)": {&alawTable, 0xd5, 8},
		"A-law smallest neg":    {&alawTable, 0x55, -8},
		"A-law max (0xaa)":      {&alawTable, 0xaa, 32256},
		"A-law min (0x2a)":      {&alawTable, 0x2a, -32256},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.table[tc.code]; got != tc.want {
				t.Fatalf("= %d, want %d", got, tc.want)
			}
		})
	}
}

// TestULawEncoderRoundTrip checks the test encoder the end-to-end tests use
// against the decoder: decode(encode(x)) stays within half a G.711 step.
func TestULawEncoderRoundTrip(t *testing.T) {
	for x := -32000; x <= 32000; x += 7 {
		y := int(ulawTable[linearToULaw(int16(x))])
		tol := 4 + abs(x)/16 // steps grow with the segment: under 1/16 of the value
		if abs(y-x) > tol {
			t.Fatalf("x=%d decoded %d", x, y)
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
