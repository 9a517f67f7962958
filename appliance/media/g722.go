package media

// An ITU-T G.722 (09/2012) sub-band ADPCM decoder for 64 kbit/s mode 1: each
// byte carries a 6-bit lower-band code and a 2-bit higher-band code for one
// pair of 16 kHz samples. The block names in the comments (INVQBL, LOGSCL,
// UPPOL2, ...) are the recommendation's, so the code can be read against it.
//
// The recording is 8 kHz, and the lower sub-band is already the 0-4 kHz
// signal sampled at 8 kHz: the encoder's QMF analysis filter did the
// anti-alias filtering and decimation. decode8k therefore reconstructs the
// lower band only and skips the higher band and the QMF synthesis, which is
// both the cheapest and the cleanest way to 8 kHz (spandsp's 8 kHz mode does
// the same). decode16k is the complete decoder; the tests use it to check
// the implementation against an encoder, and it is there for a wideband sink.

// g722Band is the adaptive predictor and quantizer state of one sub-band.
type g722Band struct {
	s, sp, sz int32    // predictor output, pole and zero sections
	r         [3]int32 // reconstructed signal, delayed
	a, ap     [3]int32 // pole coefficients and their update
	p         [3]int32 // partial reconstructed signal, delayed
	d         [7]int32 // quantized difference, delayed
	b, bp     [7]int32 // zero coefficients and their update
	nb        int32    // log scale factor
	det       int32    // scale factor
}

// g722Decoder decodes one G.722 stream. The zero value is not ready; call
// reset.
type g722Decoder struct {
	band [2]g722Band
	x    [24]int32 // QMF synthesis delay line (decode16k only)
}

func (d *g722Decoder) reset() {
	*d = g722Decoder{}
	d.band[0].det = 32
	d.band[1].det = 8
}

// Quantizer tables of G.722 (Tables 6-9 and 14-17 of the recommendation).
var (
	g722wl   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	g722rl42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722ilb  = [32]int32{
		2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383,
		2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
		2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
		3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
	}
	g722wh  = [3]int32{0, -214, 798}
	g722rh2 = [4]int32{2, 1, 2, 1}
	g722qm2 = [4]int32{-7408, -1616, 7408, 1616}
	g722qm4 = [16]int32{
		0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
	}
	g722qm6 = [64]int32{
		-136, -136, -136, -136, -24808, -21904, -19008, -16704,
		-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
		-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
		-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
		24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
		4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728, 432, 136, -432, -136,
	}
	g722qmf = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
)

func sat16(x int32) int32 {
	return min(max(x, -32768), 32767)
}

func clamp(x, lo, hi int32) int32 {
	return min(max(x, lo), hi)
}

// scale is SCALEL/SCALEH: the scale factor from the log scale factor, with
// shift 8 for the lower band and 10 for the higher.
func scale(nb, shift int32) int32 {
	wd1 := (nb >> 6) & 31
	wd2 := shift - (nb >> 11)
	var wd3 int32
	if wd2 < 0 {
		wd3 = g722ilb[wd1] << -wd2
	} else {
		wd3 = g722ilb[wd1] >> wd2
	}
	return wd3 << 2
}

// lower decodes the 6-bit lower-band code and adapts the band: INVQBL,
// RECONS and LIMIT for the output, INVQAL, LOGSCL, SCALEL and block 4 for
// the state. It returns rl, the 15-bit reconstructed lower-band sample.
func (d *g722Decoder) lower(code byte) int32 {
	b := &d.band[0]
	il := int32(code & 0x3f)
	rl := clamp(b.s+(b.det*g722qm6[il])>>15, -16384, 16383)
	// Adaptation uses the code truncated to 4 bits, so the decoder tracks
	// the encoder whatever the bit rate mode.
	il4 := il >> 2
	dlt := (b.det * g722qm4[il4]) >> 15
	b.nb = clamp((b.nb*127)>>7+g722wl[g722rl42[il4]], 0, 18432)
	b.det = scale(b.nb, 8)
	b.block4(dlt)
	return rl
}

// higher decodes the 2-bit higher-band code: INVQAH, RECONS, LIMIT,
// LOGSCH, SCALEH and block 4. It returns rh.
func (d *g722Decoder) higher(code byte) int32 {
	b := &d.band[1]
	ih := int32(code >> 6)
	dh := (b.det * g722qm2[ih]) >> 15
	rh := clamp(dh+b.s, -16384, 16383)
	b.nb = clamp((b.nb*127)>>7+g722wh[g722rh2[ih]], 0, 22528)
	b.det = scale(b.nb, 10)
	b.block4(dh)
	return rh
}

// decode8k returns the 8 kHz sample of one G.722 byte: the lower band,
// scaled from 15 to 16 bits.
func (d *g722Decoder) decode8k(code byte) int16 {
	return int16(d.lower(code) << 1)
}

// decode16k returns the two 16 kHz samples of one G.722 byte, through the
// receive QMF.
func (d *g722Decoder) decode16k(code byte) (int16, int16) {
	rl := d.lower(code)
	rh := d.higher(code)
	copy(d.x[:22], d.x[2:])
	d.x[22] = rl + rh
	d.x[23] = rl - rh
	var xout1, xout2 int32
	for i := range 12 {
		xout2 += d.x[2*i] * g722qmf[i]
		xout1 += d.x[2*i+1] * g722qmf[11-i]
	}
	return int16(sat16(xout1 >> 11)), int16(sat16(xout2 >> 11))
}

// block4 updates the adaptive predictor of a band with the quantized
// difference dx (G.722 block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO,
// DELAYA, FILTEP, FILTEZ, PREDIC).
func (b *g722Band) block4(dx int32) {
	b.d[0] = dx
	b.r[0] = sat16(b.s + dx)
	b.p[0] = sat16(b.sz + dx)

	// UPPOL2: the second pole coefficient.
	sg0, sg1, sg2 := b.p[0]>>15, b.p[1]>>15, b.p[2]>>15
	wd1 := sat16(b.a[1] << 2)
	wd2 := wd1
	if sg0 == sg1 {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := wd2 >> 7
	if sg0 == sg2 {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (b.a[2] * 32512) >> 15
	b.ap[2] = clamp(wd3, -12288, 12288)

	// UPPOL1: the first pole coefficient, bounded by the second.
	wd1 = -192
	if sg0 == sg1 {
		wd1 = 192
	}
	b.ap[1] = sat16(wd1 + (b.a[1]*32640)>>15)
	lim := sat16(15360 - b.ap[2])
	b.ap[1] = clamp(b.ap[1], -lim, lim)

	// UPZERO: the six zero coefficients.
	wd1 = 0
	if dx != 0 {
		wd1 = 128
	}
	sgd := dx >> 15
	for i := 1; i < 7; i++ {
		wd2 = -wd1
		if b.d[i]>>15 == sgd {
			wd2 = wd1
		}
		b.bp[i] = sat16(wd2 + (b.b[i]*32640)>>15)
	}

	// DELAYA.
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = b.bp[i]
	}
	for i := 2; i > 0; i-- {
		b.r[i] = b.r[i-1]
		b.p[i] = b.p[i-1]
		b.a[i] = b.ap[i]
	}

	// FILTEP, FILTEZ, PREDIC.
	wd1 = (b.a[1] * sat16(b.r[1]+b.r[1])) >> 15
	wd2 = (b.a[2] * sat16(b.r[2]+b.r[2])) >> 15
	b.sp = sat16(wd1 + wd2)
	b.sz = 0
	for i := 6; i > 0; i-- {
		b.sz = sat16(b.sz + (b.b[i]*sat16(b.d[i]+b.d[i]))>>15)
	}
	b.s = sat16(b.sp + b.sz)
}
