package audiohook

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

func TestULawAllCodesRoundTrip(t *testing.T) {
	for c := 0; c < 256; c++ {
		v := DecodeULaw(byte(c))
		back := EncodeULaw(v)
		want := byte(c)
		if c == 0x7f { // negative zero decodes to 0, which encodes as positive zero
			want = 0xff
		}
		if back != want {
			t.Errorf("code %#02x → %d → %#02x", c, v, back)
		}
	}
}

func TestULawKnownValues(t *testing.T) {
	cases := []struct {
		code byte
		lin  int16
	}{
		{0x00, -32124}, {0x80, 32124}, {0xff, 0}, {0x7f, 0}, {0x0f, -16764}, {0xf0, 120}, {0x70, -120},
	}
	for _, tc := range cases {
		if got := DecodeULaw(tc.code); got != tc.lin {
			t.Errorf("DecodeULaw(%#02x) = %d, want %d", tc.code, got, tc.lin)
		}
	}
	// Clipping and the encoder's segment boundaries.
	for _, tc := range []struct {
		lin  int16
		code byte
	}{{32767, 0x80}, {-32768, 0x00}, {0, 0xff}, {-1, 0x7f}, {1, 0xff}, {32124, 0x80}} {
		if got := EncodeULaw(tc.lin); got != tc.code {
			t.Errorf("EncodeULaw(%d) = %#02x, want %#02x", tc.lin, got, tc.code)
		}
	}
}

// TestULawQuantization checks every 16-bit value encodes to the code whose
// decoded value is nearest among the codes of its sign (G.711 segments).
func TestULawQuantization(t *testing.T) {
	for v := -32768; v <= 32767; v += 7 {
		got := DecodeULaw(EncodeULaw(int16(v)))
		err := abs(int(got) - v)
		if v > 32124 || v < -32124 {
			continue // clipped
		}
		// The largest step is 1024 (segment 7); error is at most half a step.
		step := 8 << ((EncodeULaw(int16(v)) ^ 0xff) >> 4 & 7)
		if err > step/2+1 {
			t.Fatalf("%d → %d: error %d over half-step %d", v, got, err, step/2)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestAudioEncodeDecodeLayouts(t *testing.T) {
	stereo := []int16{1000, -2000, 3000, -4000, 0, 32000}
	ext := SplitChannel(nil, stereo, External)
	in := SplitChannel(nil, stereo, Internal)
	if !slices.Equal(ext, []int16{1000, 3000, 0}) || !slices.Equal(in, []int16{-2000, -4000, 32000}) {
		t.Fatalf("split %v %v", ext, in)
	}
	q := func(v int16) int16 { return DecodeULaw(EncodeULaw(v)) }
	cases := []struct {
		name   string
		media  Media
		size   int
		decode []int16
	}{
		{"pcmu ext,int", StereoPCMU(), 6, []int16{q(1000), q(-2000), q(3000), q(-4000), q(0), q(32000)}},
		{"pcmu int,ext", Media{Type: "audio", Format: FormatPCMU, Channels: []Channel{Internal, External}, Rate: 8000}, 6,
			[]int16{q(1000), q(-2000), q(3000), q(-4000), q(0), q(32000)}},
		{"pcmu external", Media{Type: "audio", Format: FormatPCMU, Channels: []Channel{External}, Rate: 8000}, 3,
			[]int16{q(1000), 0, q(3000), 0, q(0), 0}},
		{"pcmu internal", Media{Type: "audio", Format: FormatPCMU, Channels: []Channel{Internal}, Rate: 8000}, 3,
			[]int16{0, q(-2000), 0, q(-4000), 0, q(32000)}},
		{"l16 ext,int", Media{Type: "audio", Format: FormatL16, Channels: []Channel{External, Internal}, Rate: 8000}, 12, stereo},
		{"l16 internal", Media{Type: "audio", Format: FormatL16, Channels: []Channel{Internal}, Rate: 8000}, 6, []int16{0, -2000, 0, -4000, 0, 32000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			frame, err := AppendAudio([]byte{0xAA}, stereo, tc.media)
			if err != nil {
				t.Fatal(err)
			}
			if frame[0] != 0xAA || len(frame) != 1+tc.size {
				t.Fatalf("frame %x: want the prefix kept and %d bytes appended", frame, tc.size)
			}
			got, err := DecodeAudio(nil, frame[1:], tc.media)
			if err != nil || !slices.Equal(got, tc.decode) {
				t.Fatalf("decode = %v, %v; want %v", got, err, tc.decode)
			}
		})
	}
	// The interleaving order on the wire follows Media.Channels.
	rev, _ := AppendAudio(nil, []int16{1000, -2000}, Media{Type: "audio", Format: FormatPCMU, Channels: []Channel{Internal, External}, Rate: 8000})
	if rev[0] != EncodeULaw(-2000) || rev[1] != EncodeULaw(1000) {
		t.Errorf("internal,external frame %x", rev)
	}
	l16, _ := AppendAudio(nil, []int16{0x1234, 0}, Media{Type: "audio", Format: FormatL16, Channels: []Channel{External}, Rate: 8000})
	if binary.LittleEndian.Uint16(l16) != 0x1234 {
		t.Errorf("L16 is little-endian: %x", l16)
	}
}

func TestAudioErrors(t *testing.T) {
	if _, err := AppendAudio(nil, []int16{1}, StereoPCMU()); !errors.Is(err, ErrAudioFormat) {
		t.Errorf("odd stereo: %v", err)
	}
	if _, err := DecodeAudio(nil, []byte{1, 2, 3}, StereoPCMU()); !errors.Is(err, ErrAudioFormat) {
		t.Errorf("partial sample: %v", err)
	}
	if _, err := DecodeAudio(nil, []byte{1, 2}, Media{Type: "audio", Format: "opus", Channels: []Channel{External}, Rate: 8000}); !errors.Is(err, ErrAudioFormat) {
		t.Errorf("bad media: %v", err)
	}
}

func TestSelectMedia(t *testing.T) {
	m := func(f Format, rate int, ch ...Channel) Media {
		return Media{Type: "audio", Format: f, Channels: ch, Rate: rate}
	}
	cases := []struct {
		name    string
		offered []Media
		want    Media
		ok      bool
	}{
		{"default offer", DefaultOffer(), StereoPCMU(), true},
		{"stereo last", []Media{m(FormatPCMU, 8000, Internal), m(FormatPCMU, 8000, External, Internal)}, StereoPCMU(), true},
		{"inverted stereo", []Media{m(FormatPCMU, 8000, Internal, External), m(FormatPCMU, 8000, External)}, m(FormatPCMU, 8000, Internal, External), true},
		{"PCMU before L16", []Media{m(FormatL16, 8000, External, Internal), m(FormatPCMU, 8000, Internal, External)}, m(FormatPCMU, 8000, Internal, External), true},
		{"mono external before internal", []Media{m(FormatPCMU, 8000, Internal), m(FormatPCMU, 8000, External)}, m(FormatPCMU, 8000, External), true},
		{"L16 mono", []Media{m(FormatL16, 8000, Internal)}, m(FormatL16, 8000, Internal), true},
		{"16 kHz skipped", []Media{m(FormatPCMU, 16000, External, Internal), m(FormatPCMU, 8000, Internal)}, m(FormatPCMU, 8000, Internal), true},
		{"nothing usable", []Media{m("opus", 8000, External)}, Media{}, false},
		{"empty", nil, Media{}, false},
	}
	for _, tc := range cases {
		got, ok := SelectMedia(tc.offered)
		if ok != tc.ok || (ok && !got.Equal(tc.want)) {
			t.Errorf("%s: SelectMedia = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func BenchmarkAppendAudioStereoPCMU(b *testing.B) {
	stereo := make([]int16, 2*800) // 100 ms
	for i := range stereo {
		stereo[i] = int16(i * 37)
	}
	buf := make([]byte, 0, 1600)
	m := StereoPCMU()
	b.ReportAllocs()
	b.SetBytes(int64(len(stereo) * 2))
	for b.Loop() {
		var err error
		if buf, err = AppendAudio(buf[:0], stereo, m); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAppendAudioDoesNotAllocate(t *testing.T) {
	stereo := make([]int16, 2*800)
	buf := make([]byte, 0, 1600)
	m := StereoPCMU()
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = AppendAudio(buf[:0], stereo, m)
	})
	if allocs != 0 {
		t.Fatalf("AppendAudio allocates %v per call", allocs)
	}
}
