package tone

import "math"

// Goertzel measures one frequency component of a block of samples. It
// evaluates the DTFT at exactly Freq (the "generalised" Goertzel), so a tone
// at that frequency reads at its true amplitude whatever the block length.
type Goertzel struct {
	freq  float64
	coeff float64
	cos   float64
	sin   float64
}

// NewGoertzel returns a detector for freq at sampleRate.
func NewGoertzel(freq float64, sampleRate int) Goertzel {
	w := 2 * math.Pi * freq / float64(sampleRate)
	return Goertzel{freq: freq, coeff: 2 * math.Cos(w), cos: math.Cos(w), sin: math.Sin(w)}
}

// Freq returns the detector's frequency in Hz.
func (g Goertzel) Freq() float64 { return g.freq }

// Amplitude returns the peak amplitude, as a fraction of full scale, of the
// component at the detector's frequency in samples: a full-scale sine at that
// frequency reads about 1.0, silence 0.
func (g Goertzel) Amplitude(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var s1, s2 float64
	for _, x := range samples {
		s0 := float64(x)/32768 + g.coeff*s1 - s2
		s2, s1 = s1, s0
	}
	re := s1 - s2*g.cos
	im := s2 * g.sin
	return 2 * math.Sqrt(re*re+im*im) / float64(len(samples))
}

// Amplitude is a one-shot NewGoertzel(freq, sampleRate).Amplitude(samples).
func Amplitude(samples []int16, freq float64, sampleRate int) float64 {
	return NewGoertzel(freq, sampleRate).Amplitude(samples)
}

// RMS returns the root mean square of samples as a fraction of full scale
// (a full-scale sine reads about 0.707).
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, x := range samples {
		f := float64(x) / 32768
		sum += f * f
	}
	return math.Sqrt(sum / float64(len(samples)))
}
