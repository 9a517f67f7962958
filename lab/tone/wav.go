package tone

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// WAV is a decoded RIFF/WAVE PCM16 file, de-interleaved per channel.
type WAV struct {
	SampleRate int
	Channels   [][]int16 // Channels[c][i] is sample i of channel c
}

// Duration returns the length of the recording.
func (w *WAV) Duration() time.Duration {
	if w.SampleRate == 0 || len(w.Channels) == 0 {
		return 0
	}
	return time.Duration(len(w.Channels[0])) * time.Second / time.Duration(w.SampleRate)
}

const (
	wavFormatPCM        = 1
	wavFormatExtensible = 0xfffe
	// maxWAVChannels bounds the channel count a reader accepts; recordings
	// here are mono or stereo, a huge count is a broken header.
	maxWAVChannels = 16
)

// ReadWAVFile reads a WAVE file from disk.
func ReadWAVFile(path string) (*WAV, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadWAV(f)
}

// ReadWAV decodes a RIFF/WAVE file holding 16-bit PCM with any number of
// channels. Unknown chunks (LIST, fact, …) are skipped. A data chunk whose
// size is 0 or runs past the end of the file is read to EOF, so a recording
// whose writer never patched the header (a crash, or a file still being
// written) can still be checked.
func ReadWAV(r io.Reader) (*WAV, error) {
	br := bufio.NewReader(r)
	var riff [12]byte
	if _, err := io.ReadFull(br, riff[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotWAV, err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return nil, ErrNotWAV
	}
	var (
		channels, bits int
		rate           uint32
		haveFmt        bool
	)
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, ErrNoData
			}
			return nil, err
		}
		id := string(hdr[0:4])
		size := binary.LittleEndian.Uint32(hdr[4:8])
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrUnsupportedWAV, size)
			}
			buf := make([]byte, size+size&1)
			if _, err := io.ReadFull(br, buf); err != nil {
				return nil, fmt.Errorf("tone: reading fmt chunk: %w", err)
			}
			format := binary.LittleEndian.Uint16(buf[0:2])
			channels = int(binary.LittleEndian.Uint16(buf[2:4]))
			rate = binary.LittleEndian.Uint32(buf[4:8])
			bits = int(binary.LittleEndian.Uint16(buf[14:16]))
			if format == wavFormatExtensible && size >= 40 {
				// The sub-format GUID starts with the real format code.
				format = binary.LittleEndian.Uint16(buf[24:26])
			}
			if format != wavFormatPCM || bits != 16 {
				return nil, fmt.Errorf("%w: format %#x, %d bits", ErrUnsupportedWAV, format, bits)
			}
			if channels < 1 || channels > maxWAVChannels || rate == 0 {
				return nil, fmt.Errorf("%w: %d channels at %d Hz", ErrUnsupportedWAV, channels, rate)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrUnsupportedWAV)
			}
			return readWAVData(br, size, channels, int(rate))
		default:
			if _, err := br.Discard(int(size + size&1)); err != nil {
				return nil, ErrNoData
			}
		}
	}
}

func readWAVData(r io.Reader, size uint32, channels, rate int) (*WAV, error) {
	src := r
	if size != 0 && size != 0xffffffff {
		src = io.LimitReader(r, int64(size))
	}
	raw, err := io.ReadAll(src)
	if err != nil {
		return nil, fmt.Errorf("tone: reading data chunk: %w", err)
	}
	frame := 2 * channels
	n := len(raw) / frame // a torn last frame is dropped
	w := &WAV{SampleRate: rate, Channels: make([][]int16, channels)}
	for c := range w.Channels {
		w.Channels[c] = make([]int16, n)
	}
	for i := range n {
		for c := range channels {
			off := i*frame + 2*c
			w.Channels[c][i] = int16(binary.LittleEndian.Uint16(raw[off:]))
		}
	}
	return w, nil
}

// WriteWAV writes a RIFF/WAVE PCM16 file with one channel per argument,
// interleaved. Channels shorter than the longest are padded with silence.
func WriteWAV(w io.Writer, sampleRate int, channels ...[]int16) error {
	if len(channels) == 0 || len(channels) > maxWAVChannels {
		return fmt.Errorf("%w: %d channels", ErrUnsupportedWAV, len(channels))
	}
	n := 0
	for _, c := range channels {
		n = max(n, len(c))
	}
	nch := len(channels)
	dataLen := n * nch * 2
	buf := make([]byte, 44, 44+dataLen)
	copy(buf[0:], "RIFF")
	binary.LittleEndian.PutUint32(buf[4:], uint32(36+dataLen))
	copy(buf[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(buf[16:], 16)
	binary.LittleEndian.PutUint16(buf[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(buf[22:], uint16(nch))
	binary.LittleEndian.PutUint32(buf[24:], uint32(sampleRate))
	binary.LittleEndian.PutUint32(buf[28:], uint32(sampleRate*nch*2))
	binary.LittleEndian.PutUint16(buf[32:], uint16(nch*2))
	binary.LittleEndian.PutUint16(buf[34:], 16)
	copy(buf[36:], "data")
	binary.LittleEndian.PutUint32(buf[40:], uint32(dataLen))
	for i := range n {
		for _, c := range channels {
			var s int16
			if i < len(c) {
				s = c[i]
			}
			buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
		}
	}
	_, err := w.Write(buf)
	return err
}
