package tone

import (
	"errors"
	"math"
	"testing"
	"time"
)

// stereo builds a recording the way the appliance would write one: silence
// while the call is pending, then the caller's tone on channel 0 and the
// agent's on channel 1, with a few lost packets on channel 1.
func stereo(t *testing.T) *WAV {
	t.Helper()
	lead := make([]int16, SampleRate/2) // 500 ms pending silence
	left := append(append([]int16{}, lead...), Tone{Freq: 440}.Samples(SampleRate, 3*time.Second)...)
	right := append(append([]int16{}, lead...), Tone{Freq: 1000}.Samples(SampleRate, 3*time.Second)...)
	for p := 10; p < 13; p++ { // 3 lost 20 ms packets
		clear(right[len(lead)+p*160 : len(lead)+(p+1)*160])
	}
	return &WAV{SampleRate: SampleRate, Channels: [][]int16{left, right}}
}

func TestAnalyzeChannelMap(t *testing.T) {
	w := stereo(t)
	tests := map[string]struct {
		opts AnalyzeOptions
	}{
		"candidates": {AnalyzeOptions{Candidates: []float64{440, 1000, 2600}}},
		"scan":       {AnalyzeOptions{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := Analyze(w, tt.opts)
			if len(r.Channels) != 2 || r.Duration != 3500*time.Millisecond {
				t.Fatalf("report shape: %+v", r)
			}
			if r.Channels[0].Dominant != 440 || r.Channels[1].Dominant != 1000 {
				t.Fatalf("dominant = %v / %v", r.Channels[0].Dominant, r.Channels[1].Dominant)
			}
			if got := r.Channels[0].Active; got != 3*time.Second {
				t.Fatalf("channel 0 active = %v", got)
			}
			err := r.Check(
				Expect{Channel: 0, Freq: 440, Duration: 3 * time.Second},
				Expect{Channel: 1, Freq: 1000, Duration: 3 * time.Second},
			)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAnalyzeLevels(t *testing.T) {
	r := Analyze(stereo(t), AnalyzeOptions{Candidates: []float64{440, 1000}})
	l, ok := r.Channels[0].Tone(440)
	if !ok || l.Amplitude < 0.28 || l.Amplitude > 0.32 {
		t.Fatalf("440 level on channel 0 = %+v", l)
	}
	if l, _ := r.Channels[0].Tone(1000); l.Amplitude > 0.02 || l.Duration != 0 {
		t.Fatalf("1000 Hz leaks into channel 0: %+v", l)
	}
	// 2.94 s of a 0.3 sine in 3.5 s: RMS = 0.3/√2 · √(2.94/3.5).
	if got, want := r.Channels[1].RMS, 0.3/math.Sqrt2*math.Sqrt(2.94/3.5); math.Abs(got-want) > 0.002 {
		t.Fatalf("channel 1 RMS = %.4f, want about %.4f", got, want)
	}
}

func TestCheckFailures(t *testing.T) {
	r := Analyze(stereo(t), AnalyzeOptions{Candidates: []float64{440, 1000}})
	tests := map[string]Expect{
		"swapped channels":    {Channel: 0, Freq: 1000},
		"too short":           {Channel: 0, Freq: 440, Duration: 4 * time.Second},
		"lossy beyond 1%":     {Channel: 1, Freq: 1000, Duration: 3 * time.Second, Tolerance: 0.01},
		"missing channel":     {Channel: 2, Freq: 440},
		"silence is no match": {Channel: 1, Freq: 2600},
	}
	for name, e := range tests {
		t.Run(name, func(t *testing.T) {
			if err := r.Check(e); !errors.Is(err, ErrExpectation) {
				t.Fatalf("Check(%+v) = %v, want ErrExpectation", e, err)
			}
		})
	}
}

func TestAnalyzeSilentChannel(t *testing.T) {
	w := &WAV{SampleRate: SampleRate, Channels: [][]int16{make([]int16, 8000)}}
	r := Analyze(w, AnalyzeOptions{})
	if c := r.Channels[0]; c.Dominant != 0 || c.Active != 0 || c.RMS != 0 {
		t.Fatalf("silent channel: %+v", c)
	}
}
