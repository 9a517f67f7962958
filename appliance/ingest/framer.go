package ingest

import (
	"time"

	"github.com/cogito/cogito-edge/appliance/relay"
)

const (
	sampleRate   = 8000
	frameSamples = 160 // 20 ms per channel, as the media framer
)

// framer cuts AudioHook audio (stereo int16 at the client's stream
// position) into the 20 ms frames the relay sinks take. A frame's Start is
// its position relative to the first audio recorded, so a pause shows as a
// jump in Start, as it does for SIPREC audio.
type framer struct {
	buf     [2 * frameSamples]int16
	n       int // samples per channel in buf
	seq     uint64
	base    time.Duration // stream position of the recording's start
	started bool
	next    time.Duration // stream position of buf[0]
	frame   relay.Frame
}

// write appends samples at stream position pos and emits every full frame.
func (f *framer) write(pos time.Duration, stereo []int16, emit func(*relay.Frame)) {
	if !f.started {
		f.started, f.base, f.next = true, pos, pos
	}
	if f.n == 0 {
		f.next = pos
	} else if gap := pos - (f.next + samplesDur(f.n)); gap > 0 {
		// Audio resumed further on (a pause): close the partial frame.
		f.flush(emit)
		f.next = pos
	}
	for len(stereo) >= 2 {
		k := min(len(stereo)/2, frameSamples-f.n)
		copy(f.buf[2*f.n:], stereo[:2*k])
		f.n += k
		stereo = stereo[2*k:]
		if f.n == frameSamples {
			f.emitFull(emit)
		}
	}
}

// flush emits a partial frame padded with silence, counted as missing.
func (f *framer) flush(emit func(*relay.Frame)) {
	if f.n == 0 {
		return
	}
	missing := frameSamples - f.n
	clear(f.buf[2*f.n:])
	f.n = frameSamples
	f.emitWith(emit, missing)
}

func (f *framer) emitFull(emit func(*relay.Frame)) { f.emitWith(emit, 0) }

func (f *framer) emitWith(emit func(*relay.Frame), missing int) {
	f.frame = relay.Frame{Seq: f.seq, Start: f.next - f.base, Samples: f.buf[:], Missing: [2]int{missing, missing}}
	emit(&f.frame)
	f.seq++
	f.next += samplesDur(frameSamples)
	f.n = 0
}

func samplesDur(n int) time.Duration { return time.Duration(n) * time.Second / sampleRate }
