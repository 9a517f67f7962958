package relay

import "time"

// Audio format of every relay sink: 8 kHz, 16-bit, stereo with channel 0 =
// external (the customer) and channel 1 = internal (the agent), DESIGN §3.
const (
	SampleRate     = 8000
	Channels       = 2
	BitsPerSample  = 16
	bytesPerSample = BitsPerSample / 8
	// frameBytes is one stereo sample frame (one sample per channel).
	frameBytes = Channels * bytesPerSample
)

// ChannelMap names the channels in order, as the JSON and AudioHook's
// "channels" parameter spell them.
var ChannelMap = [Channels]string{"external", "internal"}

// Frame is one block of stereo audio from the media framer. It mirrors
// media.Frame field for field so that *media.Frame converts to *Frame (see
// the package doc).
type Frame struct {
	// Seq counts the session's frames; a jump is a gap.
	Seq uint64
	// Start is the frame's position since the session clock started; media
	// skips it over holds and stalls, and a jump outside a hold is a gap.
	Start time.Duration
	// Samples are interleaved external, internal: 160 per channel per 20 ms
	// at 8 kHz. They are valid only during the WriteFrame call.
	Samples []int16
	// Missing counts samples per channel that were concealed (silence
	// where no packet arrived).
	Missing [2]int
}

// Sink receives one session's frames. It is the shape media drives.
type Sink interface {
	WriteFrame(f *Frame) error
}

// Recording is one session's sink with its lifecycle. The local recording
// implements it; the cloud AudioHook sink will too (paused/resumed on the
// wire), and Multi combines them.
type Recording interface {
	Sink
	// Pause marks the start of a hold: frames are not recorded until Resume.
	Pause()
	// Resume ends a hold.
	Resume()
	// Close flushes, finalises and releases the recording. It may block on
	// I/O. A second Close returns ErrClosed.
	Close(final FinalMeta) error
}
