package tone

import "testing"

// segment is one row of the G.711 segment tables: the first decision value of
// the segment's 16 intervals and the interval width (the quantisation step).
// μ-law values are in the 14-bit domain of G.711 Table 2a, A-law values in the
// 13-bit domain of Table 1a.
type segment struct {
	first, step int
}

// G.711 Table 2a (μ-law, positive half). Segment 0's interval 0 is [0,1),
// its other intervals start at 1 with step 2.
var ulawSegments = [8]segment{
	{1, 2}, {31, 4}, {95, 8}, {223, 16}, {479, 32}, {991, 64}, {2015, 128}, {4063, 256},
}

// G.711 Table 1a (A-law, positive half).
var alawSegments = [8]segment{
	{0, 2}, {32, 2}, {64, 4}, {128, 8}, {256, 16}, {512, 32}, {1024, 64}, {2048, 128},
}

// ulawInterval returns the 14-bit interval [lo, hi] of code interval j in
// segment s and its reconstruction (decoder output) value.
func ulawInterval(s, j int) (lo, hi, out int) {
	seg := ulawSegments[s]
	if s == 0 {
		if j == 0 {
			return 0, 0, 0
		}
		lo = seg.first + seg.step*(j-1)
		return lo, lo + seg.step - 1, lo + seg.step/2
	}
	lo = seg.first + seg.step*j
	return lo, lo + seg.step - 1, lo + seg.step/2
}

func TestULawSegmentTable(t *testing.T) {
	for s := range 8 {
		for j := range 16 {
			lo, hi, out := ulawInterval(s, j)
			code := byte(0x80 | (7-s)<<4 | (15 - j))
			tests := map[string]struct {
				in   int16
				code byte
				out  int16
			}{
				"positive low":  {int16(4 * lo), code, int16(4 * out)},
				"positive high": {int16(4*hi + 3), code, int16(4 * out)},
				"negative low":  {int16(-4*lo - 1), code &^ 0x80, int16(-4 * out)},
				"negative high": {int16(-4*hi - 4), code &^ 0x80, int16(-4 * out)},
			}
			for name, tt := range tests {
				if got := LinearToULaw(tt.in); got != tt.code {
					t.Errorf("seg %d int %d %s: LinearToULaw(%d) = %#02x, want %#02x", s, j, name, tt.in, got, tt.code)
				}
				if got := ULawToLinear(tt.code); got != tt.out && !(tt.code == 0x7f && got == 0) {
					t.Errorf("seg %d int %d %s: ULawToLinear(%#02x) = %d, want %d", s, j, name, tt.code, got, tt.out)
				}
			}
		}
	}
}

func TestALawSegmentTable(t *testing.T) {
	for s := range 8 {
		seg := alawSegments[s]
		for j := range 16 {
			lo := seg.first + seg.step*j
			hi := lo + seg.step - 1
			out := lo + seg.step/2
			code := byte(0x80|s<<4|j) ^ 0x55
			tests := map[string]struct {
				in   int16
				code byte
				out  int16
			}{
				"positive low":  {int16(8 * lo), code, int16(8 * out)},
				"positive high": {int16(8*hi + 7), code, int16(8 * out)},
				"negative low":  {int16(-8*lo - 1), code ^ 0x80, int16(-8 * out)},
				"negative high": {int16(-8*hi - 8), code ^ 0x80, int16(-8 * out)},
			}
			for name, tt := range tests {
				if got := LinearToALaw(tt.in); got != tt.code {
					t.Errorf("seg %d int %d %s: LinearToALaw(%d) = %#02x, want %#02x", s, j, name, tt.in, got, tt.code)
				}
				if got := ALawToLinear(tt.code); got != tt.out {
					t.Errorf("seg %d int %d %s: ALawToLinear(%#02x) = %d, want %d", s, j, name, tt.code, got, tt.out)
				}
			}
		}
	}
}

func TestG711KnownValues(t *testing.T) {
	tests := map[string]struct {
		codec Codec
		in    int16
		code  byte
		out   int16
	}{
		"ulaw zero":          {PCMU, 0, 0xff, 0},
		"ulaw full positive": {PCMU, 32767, 0x80, 32124},
		"ulaw full negative": {PCMU, -32768, 0x00, -32124},
		"ulaw minus one":     {PCMU, -1, 0x7f, 0},
		"alaw zero":          {PCMA, 0, 0xd5, 8},
		"alaw minus one":     {PCMA, -1, 0x55, -8},
		"alaw full positive": {PCMA, 32767, 0xaa, 32256},
		"alaw full negative": {PCMA, -32768, 0x2a, -32256},
		"ulaw 1000 (seg 3)":  {PCMU, 1000, 0xce, 988},
		"alaw 1000 (seg 2)":  {PCMA, 1000, 0xfa, 1008},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tt.codec.Encode(tt.in); got != tt.code {
				t.Fatalf("Encode(%d) = %#02x, want %#02x", tt.in, got, tt.code)
			}
			if got := tt.codec.Decode(tt.code); got != tt.out {
				t.Fatalf("Decode(%#02x) = %d, want %d", tt.code, got, tt.out)
			}
		})
	}
}

// Every code must survive decode/encode: the decoder output sits inside the
// code's own interval. μ-law 0x7f (negative zero) is the one exception.
func TestG711RoundTripAllCodes(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		for code := range 256 {
			b := byte(code)
			if c == PCMU && b == 0x7f {
				continue
			}
			if got := c.Encode(c.Decode(b)); got != b {
				t.Errorf("%v: Encode(Decode(%#02x)) = %#02x", c, b, got)
			}
		}
	}
}

// The encoder must be monotonic: a louder positive sample never maps to a
// quieter code.
func TestG711Monotonic(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		prev := c.Decode(c.Encode(-32768))
		for s := -32768; s <= 32767; s += 7 {
			got := c.Decode(c.Encode(int16(s)))
			if got < prev {
				t.Fatalf("%v: not monotonic at %d: %d < %d", c, s, got, prev)
			}
			prev = got
		}
	}
}
