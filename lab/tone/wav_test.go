package tone

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

func TestWAVRoundTrip(t *testing.T) {
	left := Tone{Freq: 440}.Samples(SampleRate, 100*time.Millisecond)
	right := Tone{Freq: 1000}.Samples(SampleRate, 80*time.Millisecond)
	var buf bytes.Buffer
	if err := WriteWAV(&buf, SampleRate, left, right); err != nil {
		t.Fatal(err)
	}
	w, err := ReadWAV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if w.SampleRate != SampleRate || len(w.Channels) != 2 {
		t.Fatalf("got %d Hz, %d channels", w.SampleRate, len(w.Channels))
	}
	if got := w.Duration(); got != 100*time.Millisecond {
		t.Fatalf("Duration = %v", got)
	}
	for i, s := range left {
		if w.Channels[0][i] != s {
			t.Fatalf("left[%d] = %d, want %d", i, w.Channels[0][i], s)
		}
	}
	if w.Channels[1][len(right)] != 0 {
		t.Fatal("short channel not padded with silence")
	}
}

// wavBytes builds a WAVE file by hand so the reader meets headers our own
// writer never produces.
func wavBytes(fmtChunk []byte, extra []byte, dataSize uint32, data []byte) []byte {
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
	b = append(b, extra...)
	b = append(b, "fmt "...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fmtChunk)))
	b = append(b, fmtChunk...)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, dataSize)
	return append(b, data...)
}

func pcmFmt(format uint16, channels uint16, bits uint16, ext bool) []byte {
	var f []byte
	f = binary.LittleEndian.AppendUint16(f, format)
	f = binary.LittleEndian.AppendUint16(f, channels)
	f = binary.LittleEndian.AppendUint32(f, 8000)
	f = binary.LittleEndian.AppendUint32(f, uint32(8000*channels*bits/8))
	f = binary.LittleEndian.AppendUint16(f, channels*bits/8)
	f = binary.LittleEndian.AppendUint16(f, bits)
	if ext {
		f = binary.LittleEndian.AppendUint16(f, 22)
		f = binary.LittleEndian.AppendUint16(f, bits)
		f = binary.LittleEndian.AppendUint32(f, 3)
		f = binary.LittleEndian.AppendUint16(f, wavFormatPCM) // KSDATAFORMAT_SUBTYPE_PCM
		f = append(f, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	}
	return f
}

func TestReadWAVHeaders(t *testing.T) {
	frames := []byte{1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0} // 2 frames of 3 channels
	list := append([]byte("LIST\x03\x00\x00\x00abc"), 0) // odd size, padded
	tests := map[string]struct {
		in      []byte
		wantErr error
		frames  int
		chans   int
	}{
		"pcm 3 channels":            {wavBytes(pcmFmt(1, 3, 16, false), nil, 12, frames), nil, 2, 3},
		"extensible":                {wavBytes(pcmFmt(wavFormatExtensible, 3, 16, true), nil, 12, frames), nil, 2, 3},
		"odd LIST chunk first":      {wavBytes(pcmFmt(1, 3, 16, false), list, 12, frames), nil, 2, 3},
		"unpatched size 0":          {wavBytes(pcmFmt(1, 3, 16, false), nil, 0, frames), nil, 2, 3},
		"size past EOF":             {wavBytes(pcmFmt(1, 3, 16, false), nil, 1<<20, frames), nil, 2, 3},
		"torn last frame":           {wavBytes(pcmFmt(1, 3, 16, false), nil, 0, frames[:10]), nil, 1, 3},
		"8-bit":                     {wavBytes(pcmFmt(1, 1, 8, false), nil, 2, []byte{1, 2}), ErrUnsupportedWAV, 0, 0},
		"float":                     {wavBytes(pcmFmt(3, 1, 16, false), nil, 2, []byte{1, 2}), ErrUnsupportedWAV, 0, 0},
		"not riff":                  {[]byte("RIFX\x00\x00\x00\x00WAVE"), ErrNotWAV, 0, 0},
		"empty":                     {nil, ErrNotWAV, 0, 0},
		"no data chunk":             {[]byte("RIFF\x00\x00\x00\x00WAVE"), ErrNoData, 0, 0},
		"zero channels":             {wavBytes(pcmFmt(1, 0, 16, false), nil, 0, nil), ErrUnsupportedWAV, 0, 0},
		"data before fmt is broken": {append([]byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00"), 1, 2), ErrUnsupportedWAV, 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := ReadWAV(bytes.NewReader(tt.in))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Channels) != tt.chans || len(w.Channels[0]) != tt.frames {
				t.Fatalf("got %d channels of %d frames", len(w.Channels), len(w.Channels[0]))
			}
			if w.Channels[2][0] != 3 || w.Channels[0][0] != 1 {
				t.Fatalf("de-interleave wrong: %v", w.Channels)
			}
		})
	}
}
