package relay

import "errors"

var (
	// ErrClosed is returned by WriteFrame and Close on a closed recording,
	// and by Open on a closed store.
	ErrClosed = errors.New("relay: closed")
	// ErrInvalidID is returned by Open for an empty session id.
	ErrInvalidID = errors.New("relay: invalid session id")
	// ErrFrameFormat is returned by WriteFrame for a frame whose samples
	// are not interleaved stereo (empty or odd length).
	ErrFrameFormat = errors.New("relay: frame is not interleaved stereo")
	// ErrTooLarge is recorded when a WAV file reaches the 4 GiB RIFF
	// limit (about 37 hours at 8 kHz stereo); further audio is dropped.
	ErrTooLarge = errors.New("relay: recording reached the WAV size limit")
)
