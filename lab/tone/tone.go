package tone

import (
	"math"
	"time"
)

// DefaultAmplitude is the peak level of generated tones as a fraction of full
// scale (about -10 dBFS): loud enough to dominate any noise, far enough from
// full scale that G.711 never clips.
const DefaultAmplitude = 0.3

// SampleRate is the narrowband telephony rate every lab tool uses.
const SampleRate = 8000

// Tone is a sine tone. A zero Amplitude means DefaultAmplitude.
type Tone struct {
	Freq      float64 // Hz
	Amplitude float64 // peak, fraction of full scale (0..1]
}

func (t Tone) amplitude() float64 {
	if t.Amplitude <= 0 {
		return DefaultAmplitude
	}
	return min(t.Amplitude, 1)
}

// Fill writes the tone's samples offset .. offset+len(dst)-1 into dst, so
// consecutive calls with advancing offsets produce one continuous sine.
func (t Tone) Fill(dst []int16, sampleRate, offset int) {
	a := t.amplitude() * math.MaxInt16
	w := 2 * math.Pi * t.Freq / float64(sampleRate)
	for i := range dst {
		dst[i] = int16(math.Round(a * math.Sin(w*float64(offset+i))))
	}
}

// Samples returns d worth of the tone at sampleRate.
func (t Tone) Samples(sampleRate int, d time.Duration) []int16 {
	n := int(d * time.Duration(sampleRate) / time.Second)
	out := make([]int16, n)
	t.Fill(out, sampleRate, 0)
	return out
}

// Period returns the smallest number of samples after which the tone repeats
// exactly at sampleRate, or 0 when the frequency is not a whole number of Hz
// (such a tone never repeats on the sample grid).
func (t Tone) Period(sampleRate int) int {
	f := int(t.Freq)
	if float64(f) != t.Freq || f <= 0 {
		return 0
	}
	return sampleRate / gcd(sampleRate, f)
}

// LoopSamples returns the shortest whole number of frames of frameSamples
// samples in which the tone repeats seamlessly, so a sender can loop a small
// pre-encoded table forever. Tones that never repeat get one second, which
// is seamless for any whole-Hz tone and a sub-sample glitch otherwise.
func (t Tone) LoopSamples(sampleRate, frameSamples int) int {
	p := t.Period(sampleRate)
	if p == 0 {
		p = sampleRate
	}
	return p / gcd(p, frameSamples) * frameSamples
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
