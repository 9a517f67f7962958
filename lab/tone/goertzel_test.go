package tone

import (
	"math"
	"testing"
	"time"
)

func TestGoertzelReadsToneAmplitude(t *testing.T) {
	tests := map[string]struct {
		tone   Tone
		probe  float64
		block  int
		wantLo float64
		wantHi float64
	}{
		"on frequency 20 ms":        {Tone{Freq: 440, Amplitude: 0.5}, 440, 160, 0.47, 0.53},
		"on frequency off-bin 25ms": {Tone{Freq: 1000, Amplitude: 0.25}, 1000, 200, 0.24, 0.26},
		"2600 Hz":                   {Tone{Freq: 2600}, 2600, 160, 0.28, 0.32},
		"440 probed at 1000":        {Tone{Freq: 440, Amplitude: 0.5}, 1000, 160, 0, 0.03},
		"1000 probed at 440":        {Tone{Freq: 1000, Amplitude: 0.5}, 440, 160, 0, 0.03},
		"440 probed at 2600":        {Tone{Freq: 440, Amplitude: 0.5}, 2600, 400, 0, 0.01},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := make([]int16, tt.block)
			tt.tone.Fill(s, SampleRate, 37)
			got := Amplitude(s, tt.probe, SampleRate)
			if got < tt.wantLo || got > tt.wantHi {
				t.Fatalf("Amplitude = %.4f, want [%.2f, %.2f]", got, tt.wantLo, tt.wantHi)
			}
		})
	}
}

func TestGoertzelSurvivesG711(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		s := Tone{Freq: 1000}.Samples(SampleRate, 20*time.Millisecond)
		dec := c.AppendDecode(nil, c.AppendEncode(nil, s))
		if got := Amplitude(dec, 1000, SampleRate); math.Abs(got-DefaultAmplitude) > 0.01 {
			t.Errorf("%v: amplitude after coding = %.4f, want %.2f", c, got, DefaultAmplitude)
		}
	}
}

func TestRMS(t *testing.T) {
	s := Tone{Freq: 440, Amplitude: 1}.Samples(SampleRate, time.Second)
	if got := RMS(s); math.Abs(got-math.Sqrt2/2) > 0.001 {
		t.Fatalf("RMS(full-scale sine) = %.4f, want 0.707", got)
	}
	if got := RMS(make([]int16, 100)); got != 0 {
		t.Fatalf("RMS(silence) = %v", got)
	}
}

func TestToneLoopIsSeamless(t *testing.T) {
	tests := map[string]struct {
		freq float64
		want int
	}{
		"440 Hz":  {440, 800},
		"1000 Hz": {1000, 160},
		"2600 Hz": {2600, 160},
		"697 Hz":  {697, 8000},
		"440.5":   {440.5, 8000},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tn := Tone{Freq: tt.freq}
			n := tn.LoopSamples(SampleRate, 160)
			if n != tt.want {
				t.Fatalf("LoopSamples = %d, want %d", n, tt.want)
			}
			if tn.Period(SampleRate) == 0 {
				return
			}
			a := make([]int16, 160)
			b := make([]int16, 160)
			tn.Fill(a, SampleRate, 0)
			tn.Fill(b, SampleRate, n)
			for i := range a {
				if d := int(a[i]) - int(b[i]); d < -1 || d > 1 {
					t.Fatalf("sample %d differs after one loop: %d vs %d", i, a[i], b[i])
				}
			}
		})
	}
}
