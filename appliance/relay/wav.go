package relay

import (
	"encoding/binary"
	"math"
)

// WAV layout: the canonical 44-byte RIFF header with a 16-byte PCM fmt
// chunk, followed by the data chunk's samples.
const (
	wavHeaderSize = 44
	riffSizeAt    = 4  // RIFF chunk size: 36 + data size
	dataSizeAt    = 40 // data chunk size
	// maxDataSize keeps the RIFF size (data + 36) within 32 bits and a
	// whole number of sample frames.
	maxDataSize = (math.MaxUint32 - (wavHeaderSize - 8)) / frameBytes * frameBytes
)

// marshalWAVHeader writes a header for dataSize bytes of samples into dst,
// which must hold wavHeaderSize bytes.
func marshalWAVHeader(dst []byte, dataSize uint32) {
	le := binary.LittleEndian
	copy(dst[0:4], "RIFF")
	le.PutUint32(dst[riffSizeAt:], wavHeaderSize-8+dataSize)
	copy(dst[8:12], "WAVE")
	copy(dst[12:16], "fmt ")
	le.PutUint32(dst[16:], 16) // fmt chunk size
	le.PutUint16(dst[20:], 1)  // PCM
	le.PutUint16(dst[22:], Channels)
	le.PutUint32(dst[24:], SampleRate)
	le.PutUint32(dst[28:], SampleRate*frameBytes) // byte rate
	le.PutUint16(dst[32:], frameBytes)            // block align
	le.PutUint16(dst[34:], BitsPerSample)
	copy(dst[36:40], "data")
	le.PutUint32(dst[dataSizeAt:], dataSize)
}

// sizeFields returns the RIFF and data size fields for dataSize bytes of
// samples, as they are patched into an open file after every flush.
func sizeFields(dataSize uint32) (riff, data [4]byte) {
	binary.LittleEndian.PutUint32(riff[:], wavHeaderSize-8+dataSize)
	binary.LittleEndian.PutUint32(data[:], dataSize)
	return riff, data
}
