package audiohook

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Audio on the relay side is interleaved stereo int16, channel 0 external
// and channel 1 internal (relay.Frame). These helpers convert it to and
// from the binary frames of a negotiated Media: headerless samples in the
// order of Media.Channels, a mono format keeping only its channel.

// layout maps each wire channel to its stereo index (0 external, 1 internal).
type layout struct {
	src [2]int
	n   int // wire channels
	l16 bool
}

func layoutOf(m Media) (layout, error) {
	if err := m.Validate(); err != nil {
		return layout{}, fmt.Errorf("%w: %w", ErrAudioFormat, err)
	}
	l := layout{n: len(m.Channels), l16: m.Format == FormatL16}
	for i, c := range m.Channels {
		if c == Internal {
			l.src[i] = 1
		}
	}
	return l, nil
}

// AppendAudio appends to dst the binary frame that carries stereo (int16
// pairs: external, internal) in format m, and returns the extended slice.
// It allocates only when dst lacks capacity: hand it the previous frame's
// buffer[:0].
func AppendAudio(dst []byte, stereo []int16, m Media) ([]byte, error) {
	if len(stereo)%2 != 0 {
		return dst, fmt.Errorf("%w: %d stereo samples is not whole pairs", ErrAudioFormat, len(stereo))
	}
	l, err := layoutOf(m)
	if err != nil {
		return dst, err
	}
	frames := len(stereo) / 2
	size := frames * l.n
	if l.l16 {
		size *= 2
	}
	start := len(dst)
	dst = slices.Grow(dst, size)[:start+size]
	out := dst[start:]
	switch {
	case !l.l16 && l.n == 2 && l.src == [2]int{0, 1}:
		for i := 0; i < len(stereo); i += 2 {
			out[i] = EncodeULaw(stereo[i])
			out[i+1] = EncodeULaw(stereo[i+1])
		}
	case !l.l16:
		k := 0
		for f := 0; f < frames; f++ {
			for c := 0; c < l.n; c++ {
				out[k] = EncodeULaw(stereo[2*f+l.src[c]])
				k++
			}
		}
	default:
		k := 0
		for f := 0; f < frames; f++ {
			for c := 0; c < l.n; c++ {
				binary.LittleEndian.PutUint16(out[k:], uint16(stereo[2*f+l.src[c]]))
				k += 2
			}
		}
	}
	return dst, nil
}

// DecodeAudio appends to dst the stereo samples (external, internal) of a
// binary frame in format m; a channel the format lacks is silence. It
// fails with ErrAudioFormat unless the frame is whole samples of m.
func DecodeAudio(dst []int16, frame []byte, m Media) ([]int16, error) {
	l, err := layoutOf(m)
	if err != nil {
		return dst, err
	}
	fb := m.FrameBytes()
	if len(frame)%fb != 0 {
		return dst, fmt.Errorf("%w: %d bytes is not whole %d-byte samples of %s", ErrAudioFormat, len(frame), fb, m)
	}
	frames := len(frame) / fb
	start := len(dst)
	dst = slices.Grow(dst, 2*frames)[:start+2*frames]
	out := dst[start:]
	if l.n == 1 {
		clear(out)
	}
	k := 0
	for f := 0; f < frames; f++ {
		for c := 0; c < l.n; c++ {
			var v int16
			if l.l16 {
				v = int16(binary.LittleEndian.Uint16(frame[k:]))
				k += 2
			} else {
				v = DecodeULaw(frame[k])
				k++
			}
			out[2*f+l.src[c]] = v
		}
	}
	return dst, nil
}

// SplitChannel appends to dst the samples of one channel of stereo audio
// (external, internal pairs).
func SplitChannel(dst []int16, stereo []int16, c Channel) []int16 {
	off := 0
	if c == Internal {
		off = 1
	}
	for i := off; i < len(stereo); i += 2 {
		dst = append(dst, stereo[i])
	}
	return dst
}
