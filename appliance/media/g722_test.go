package media

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"testing"
)

// testdata/g722_random.g722 is 4096 random G.722 codes; random codes reach
// every quantizer level and the saturation paths. The hashes are of the
// little-endian PCM that spandsp's public-domain G.722 decoder (Steve
// Underwood, after the CMU/ITU reference) produced for them: its 8 kHz
// output (rlow << 1) and its 16 kHz QMF output. Matching them bit for bit
// checks this decoder against an independent implementation.
const (
	g722Ref8kSHA256  = "7be3cb89812badf4e872c3003e8fb4f4bef5b8451df97ac38dbc00750aab4384"
	g722Ref16kSHA256 = "ff40b6e1dac0be1133ee585f508c1aac5e4c2f216744b614c90440d83e76e049"
)

func TestG722MatchesReferenceDecoder(t *testing.T) {
	codes, err := os.ReadFile("testdata/g722_random.g722")
	if err != nil {
		t.Fatal(err)
	}
	var d8, d16 g722Decoder
	d8.reset()
	d16.reset()
	var pcm8, pcm16 []byte
	for _, c := range codes {
		pcm8 = binary.LittleEndian.AppendUint16(pcm8, uint16(d8.decode8k(c)))
		a, b := d16.decode16k(c)
		pcm16 = binary.LittleEndian.AppendUint16(pcm16, uint16(a))
		pcm16 = binary.LittleEndian.AppendUint16(pcm16, uint16(b))
	}
	tests := map[string]struct {
		pcm  []byte
		want string
	}{
		"8 kHz":  {pcm8, g722Ref8kSHA256},
		"16 kHz": {pcm16, g722Ref16kSHA256},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sum := sha256.Sum256(tc.pcm)
			if got := hex.EncodeToString(sum[:]); got != tc.want {
				t.Fatalf("decoded PCM sha256 %s, reference %s", got, tc.want)
			}
		})
	}
}

// g722Encoder is the G.722 encoder (64 kbit/s), for the round-trip tests
// only: transmit QMF, QUANTL/QUANTH and the same adaptation blocks.
type g722Encoder struct {
	band [2]g722Band
	x    [24]int32
}

func newG722Encoder() *g722Encoder {
	e := &g722Encoder{}
	e.band[0].det, e.band[1].det = 32, 8
	return e
}

var (
	g722q6  = [32]int32{0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0}
	g722iln = [32]int32{0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0}
	g722ilp = [32]int32{0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0}
	g722ihn = [3]int32{0, 1, 0}
	g722ihp = [3]int32{0, 3, 2}
)

// encode codes two 16 kHz samples into one byte.
func (e *g722Encoder) encode(s0, s1 int16) byte {
	copy(e.x[:22], e.x[2:])
	e.x[22], e.x[23] = int32(s0), int32(s1)
	var even, odd int32
	for i := range 12 {
		odd += e.x[2*i] * g722qmf[i]
		even += e.x[2*i+1] * g722qmf[11-i]
	}
	xl, xh := (even+odd)>>14, (even-odd)>>14

	lo := &e.band[0]
	el := sat16(xl - lo.s)
	wd := el
	if el < 0 {
		wd = -(el + 1)
	}
	i := 1
	for ; i < 30; i++ {
		if wd < (g722q6[i]*lo.det)>>12 {
			break
		}
	}
	il := g722ilp[i]
	if el < 0 {
		il = g722iln[i]
	}
	ril := il >> 2
	dl := (lo.det * g722qm4[ril]) >> 15
	lo.nb = clamp((lo.nb*127)>>7+g722wl[g722rl42[ril]], 0, 18432)
	lo.det = scale(lo.nb, 8)
	lo.block4(dl)

	hi := &e.band[1]
	eh := sat16(xh - hi.s)
	wd = eh
	if eh < 0 {
		wd = -(eh + 1)
	}
	mih := 1
	if wd >= (564*hi.det)>>12 {
		mih = 2
	}
	ih := g722ihp[mih]
	if eh < 0 {
		ih = g722ihn[mih]
	}
	dh := (hi.det * g722qm2[ih]) >> 15
	hi.nb = clamp((hi.nb*127)>>7+g722wh[g722rh2[ih]], 0, 22528)
	hi.det = scale(hi.nb, 10)
	hi.block4(dh)
	return byte(ih<<6 | il)
}

func encodeTone16k(freq float64, amp float64, n int) ([]int16, []byte) {
	e := newG722Encoder()
	pcm := make([]int16, 2*n)
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/16000))
	}
	codes := make([]byte, n)
	for i := range codes {
		codes[i] = e.encode(pcm[2*i], pcm[2*i+1])
	}
	return pcm, codes
}

func rms(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(len(x)))
}

func TestG722RoundTrip16k(t *testing.T) {
	for _, freq := range []float64{440, 1000, 3000, 6000} {
		pcm, codes := encodeTone16k(freq, 10000, 8000)
		var d g722Decoder
		d.reset()
		out := make([]float64, 0, len(pcm))
		for _, c := range codes {
			a, b := d.decode16k(c)
			out = append(out, float64(a), float64(b))
		}
		// The analysis and synthesis QMFs delay the signal; find the delay,
		// then measure the SNR after the adaptation settled.
		best, bestErr := 0, math.Inf(1)
		for delay := range 48 {
			var e float64
			for i := 4000; i < 12000; i++ {
				d := out[i+delay] - float64(pcm[i])
				e += d * d
			}
			if e < bestErr {
				best, bestErr = delay, e
			}
		}
		var sig float64
		for i := 4000; i < 12000; i++ {
			sig += float64(pcm[i]) * float64(pcm[i])
		}
		snr := 10 * math.Log10(sig/bestErr)
		t.Logf("%4.0f Hz: delay %d samples, SNR %.1f dB", freq, best, snr)
		if snr < 20 {
			t.Errorf("%v Hz: SNR %.1f dB, want >= 20", freq, snr)
		}
	}
}

func TestG722Decode8k(t *testing.T) {
	tests := map[string]struct {
		freq    float64
		inBand  bool
		wantRMS float64 // fraction of the input RMS
	}{
		"440 Hz":  {440, true, 1},
		"1 kHz":   {1000, true, 1},
		"3 kHz":   {3000, true, 1},
		"6 kHz":   {6000, false, 0},
		"7.5 kHz": {7500, false, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			const amp = 10000
			_, codes := encodeTone16k(tc.freq, amp, 8000)
			var d g722Decoder
			d.reset()
			out := make([]float64, len(codes))
			for i, c := range codes {
				out[i] = float64(d.decode8k(c))
			}
			steady := out[800:]
			ratio := rms(steady) / (amp / math.Sqrt2)
			if !tc.inBand {
				// Above 4 kHz is the higher band: it must not fold into
				// the 8 kHz output.
				if ratio > 0.1 {
					t.Fatalf("out-of-band tone leaks: output RMS %.2f of input", ratio)
				}
				return
			}
			if ratio < 0.8 || ratio > 1.2 {
				t.Fatalf("output RMS %.2f of input, want about 1", ratio)
			}
			p := goertzel(steady, tc.freq, SampleRate)
			for _, other := range []float64{300, 700, 1500, 2500, 3500} {
				if math.Abs(other-tc.freq) < 200 {
					continue
				}
				if q := goertzel(steady, other, SampleRate); q > p/100 {
					t.Errorf("%v Hz has %.2g of the %v Hz power", other, q/p, tc.freq)
				}
			}
		})
	}
}
