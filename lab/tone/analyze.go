package tone

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// AnalyzeOptions tunes Analyze. The zero value is ready to use.
type AnalyzeOptions struct {
	// Candidates are the tones to look for, in Hz. Empty means "find each
	// channel's strongest tone" by scanning 50-3950 Hz.
	Candidates []float64
	// Block is the analysis granularity; default 20 ms (one RTP packet).
	Block time.Duration
	// SilenceRMS is the level below which a block is silence; default 0.01
	// of full scale (-40 dBFS), well above G.711's idle noise.
	SilenceRMS float64
}

// ToneLevel is what a channel holds of one candidate tone.
type ToneLevel struct {
	Freq float64 `json:"freq_hz"`
	// Amplitude is the tone's mean peak amplitude over the channel's
	// non-silent blocks, as a fraction of full scale.
	Amplitude float64 `json:"amplitude"`
	// Duration is the time during which this tone dominates the channel.
	Duration time.Duration `json:"duration"`
}

// ChannelReport describes one channel of a recording.
type ChannelReport struct {
	Channel  int           `json:"channel"`
	Duration time.Duration `json:"duration"` // length of the channel
	Active   time.Duration `json:"active"`   // time above the silence level
	RMS      float64       `json:"rms"`      // whole channel, fraction of full scale
	Dominant float64       `json:"dominant_hz"`
	Tones    []ToneLevel   `json:"tones"` // one per candidate
}

// Tone returns the level of the candidate closest to freq (within 1 Hz).
func (c ChannelReport) Tone(freq float64) (ToneLevel, bool) {
	for _, t := range c.Tones {
		if math.Abs(t.Freq-freq) <= 1 {
			return t, true
		}
	}
	return ToneLevel{}, false
}

// Report is the analysis of a whole recording.
type Report struct {
	SampleRate int             `json:"sample_rate"`
	Duration   time.Duration   `json:"duration"`
	Channels   []ChannelReport `json:"channels"`
}

// Analyze reports, per channel, the duration, the RMS, the time above
// silence and for each candidate tone how loud it is and for how long it
// dominates; the candidate that dominates longest is the channel's Dominant.
func Analyze(w *WAV, opts AnalyzeOptions) Report {
	if opts.Block <= 0 {
		opts.Block = 20 * time.Millisecond
	}
	if opts.SilenceRMS <= 0 {
		opts.SilenceRMS = 0.01
	}
	r := Report{SampleRate: w.SampleRate, Duration: w.Duration()}
	block := max(1, int(opts.Block*time.Duration(w.SampleRate)/time.Second))
	for c, samples := range w.Channels {
		cands := opts.Candidates
		if len(cands) == 0 {
			if f := scanStrongest(samples, w.SampleRate, block, opts.SilenceRMS); f > 0 {
				cands = []float64{f}
			}
		}
		r.Channels = append(r.Channels, analyzeChannel(c, samples, w.SampleRate, block, cands, opts.SilenceRMS))
	}
	return r
}

func analyzeChannel(ch int, samples []int16, rate, block int, cands []float64, silence float64) ChannelReport {
	rep := ChannelReport{
		Channel:  ch,
		Duration: samplesToDuration(len(samples), rate),
		RMS:      RMS(samples),
		Tones:    make([]ToneLevel, len(cands)),
	}
	dets := make([]Goertzel, len(cands))
	for i, f := range cands {
		dets[i] = NewGoertzel(f, rate)
		rep.Tones[i].Freq = f
	}
	sums := make([]float64, len(cands))
	wins := make([]int, len(cands))
	amps := make([]float64, len(cands))
	active := 0
	for off := 0; off+block <= len(samples); off += block {
		b := samples[off : off+block]
		rms := RMS(b)
		if rms < silence {
			continue
		}
		active++
		best := -1
		for i, d := range dets {
			amps[i] = d.Amplitude(b)
			sums[i] += amps[i]
			if best < 0 || amps[i] > amps[best] {
				best = i
			}
		}
		// The winner must carry a fair share of the block's energy, or the
		// block is noise or an unlisted tone.
		if best >= 0 && amps[best] >= 0.5*rms*math.Sqrt2 {
			wins[best]++
		}
	}
	rep.Active = samplesToDuration(active*block, rate)
	most := 0
	for i := range cands {
		if active > 0 {
			rep.Tones[i].Amplitude = sums[i] / float64(active)
		}
		rep.Tones[i].Duration = samplesToDuration(wins[i]*block, rate)
		if wins[i] > most {
			most = wins[i]
			rep.Dominant = cands[i]
		}
	}
	return rep
}

// scanStrongest finds the strongest frequency in up to one second of the
// channel's non-silent blocks: a 5 Hz coarse scan, then a 0.5 Hz refinement,
// rounded to whole Hz because lab tones are whole Hz.
func scanStrongest(samples []int16, rate, block int, silence float64) float64 {
	var buf []int16
	for off := 0; off+block <= len(samples) && len(buf) < rate; off += block {
		if b := samples[off : off+block]; RMS(b) >= silence {
			buf = append(buf, b...)
		}
	}
	if len(buf) == 0 {
		return 0
	}
	best, bestAmp := 0.0, 0.0
	probe := func(lo, hi, step float64) {
		for f := lo; f <= hi; f += step {
			if a := Amplitude(buf, f, rate); a > bestAmp {
				best, bestAmp = f, a
			}
		}
	}
	probe(50, float64(rate)/2-50, 5)
	probe(best-5, best+5, 0.5)
	return math.Round(best)
}

func samplesToDuration(n, rate int) time.Duration {
	if rate == 0 {
		return 0
	}
	return time.Duration(n) * time.Second / time.Duration(rate)
}

// Expect is one assertion about a recording: channel Channel is dominated by
// Freq and, when Duration is set, that tone lasts Duration within Tolerance
// (a fraction; default 0.05).
type Expect struct {
	Channel   int
	Freq      float64
	Duration  time.Duration
	Tolerance float64
}

// Check verifies the expectations and returns every failure joined, each
// wrapping ErrExpectation, or nil.
func (r Report) Check(expects ...Expect) error {
	var errs []error
	for _, e := range expects {
		if e.Channel < 0 || e.Channel >= len(r.Channels) {
			errs = append(errs, fmt.Errorf("%w: channel %d: recording has %d channels", ErrExpectation, e.Channel, len(r.Channels)))
			continue
		}
		ch := r.Channels[e.Channel]
		if math.Abs(ch.Dominant-e.Freq) > 1 {
			errs = append(errs, fmt.Errorf("%w: channel %d: dominant tone %.0f Hz, want %.0f Hz", ErrExpectation, e.Channel, ch.Dominant, e.Freq))
			continue
		}
		if e.Duration <= 0 {
			continue
		}
		tol := e.Tolerance
		if tol <= 0 {
			tol = 0.05
		}
		got, _ := ch.Tone(e.Freq)
		if dev := math.Abs(float64(got.Duration-e.Duration)) / float64(e.Duration); dev > tol {
			errs = append(errs, fmt.Errorf("%w: channel %d: %.0f Hz lasts %v, want %v ±%.0f%%", ErrExpectation, e.Channel, e.Freq, got.Duration, e.Duration, 100*tol))
		}
	}
	return errors.Join(errs...)
}
