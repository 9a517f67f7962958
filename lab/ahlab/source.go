package ahlab

import (
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/lab/tone"
)

// The lab's tones: the customer on the external channel, the agent on the
// internal one, as everywhere in the lab.
const (
	CustomerHz = 440.0
	AgentHz    = 1000.0
)

// Source is audio to stream: interleaved stereo at 8 kHz, external then
// internal.
type Source interface {
	// Read fills dst (whole pairs) and returns the pairs written; 0 at the
	// end.
	Read(dst []int16) int
}

// Tones returns d of two continuous tones: external Hz on channel 0,
// internal Hz on channel 1.
func Tones(external, internal float64, d time.Duration) Source {
	return &toneSource{
		tones: [2]tone.Tone{{Freq: external}, {Freq: internal}},
		total: int(d * tone.SampleRate / time.Second),
	}
}

type toneSource struct {
	tones   [2]tone.Tone
	total   int
	off     int
	scratch []int16
}

func (s *toneSource) Read(dst []int16) int {
	n := min(len(dst)/2, s.total-s.off)
	if n <= 0 {
		return 0
	}
	if cap(s.scratch) < n {
		s.scratch = make([]int16, n)
	}
	mono := s.scratch[:n]
	for ch, t := range s.tones {
		t.Fill(mono, tone.SampleRate, s.off)
		for i, v := range mono {
			dst[2*i+ch] = v
		}
	}
	s.off += n
	return n
}

// WAVSource streams a WAV at 8 kHz: a stereo file as is (channel 0
// external, 1 internal), a mono file on the external channel only.
func WAVSource(w *tone.WAV) (Source, error) {
	switch {
	case w.SampleRate != tone.SampleRate:
		return nil, fmt.Errorf("%w: WAV at %d Hz: AudioHook is 8000 Hz", ErrConfig, w.SampleRate)
	case len(w.Channels) < 1 || len(w.Channels) > 2:
		return nil, fmt.Errorf("%w: WAV with %d channels: want mono or stereo", ErrConfig, len(w.Channels))
	}
	return &wavSource{w: w}, nil
}

// ReadWAVSource reads a WAV file for WAVSource.
func ReadWAVSource(path string) (Source, error) {
	w, err := tone.ReadWAVFile(path)
	if err != nil {
		return nil, err
	}
	return WAVSource(w)
}

type wavSource struct {
	w   *tone.WAV
	off int
}

func (s *wavSource) Read(dst []int16) int {
	ch := s.w.Channels
	n := min(len(dst)/2, len(ch[0])-s.off)
	if n <= 0 {
		return 0
	}
	for i := range n {
		dst[2*i] = ch[0][s.off+i]
		dst[2*i+1] = 0
		if len(ch) == 2 {
			dst[2*i+1] = ch[1][s.off+i]
		}
	}
	s.off += n
	return n
}
