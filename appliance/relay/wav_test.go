package relay

import "testing"

func TestWAVHeader(t *testing.T) {
	tests := map[string]uint32{
		"empty":      0,
		"one frame":  4,
		"one second": 32000,
		"largest":    maxDataSize,
	}
	for name, size := range tests {
		t.Run(name, func(t *testing.T) {
			var hdr [wavHeaderSize]byte
			marshalWAVHeader(hdr[:], size)
			// Parse the header against a file that holds the data too.
			b := make([]byte, wavHeaderSize+min(int(size), 64))
			copy(b, hdr[:])
			if size > 64 {
				riff, data := sizeFields(64)
				copy(b[riffSizeAt:], riff[:])
				copy(b[dataSizeAt:], data[:])
			}
			w := parseWAV(t, b)
			if size <= 64 && w.dataSize != size {
				t.Fatalf("data size %d, want %d", w.dataSize, size)
			}
			riff, data := sizeFields(size)
			if [4]byte(hdr[riffSizeAt:riffSizeAt+4]) != riff || [4]byte(hdr[dataSizeAt:dataSizeAt+4]) != data {
				t.Fatal("sizeFields disagrees with marshalWAVHeader")
			}
		})
	}
	if maxDataSize%frameBytes != 0 || uint64(maxDataSize)+36 > 1<<32-1 {
		t.Fatalf("maxDataSize %d breaks the RIFF limit or frame alignment", maxDataSize)
	}
}
