package tone

import "errors"

var (
	// ErrNotWAV is returned when the input is not a RIFF/WAVE file.
	ErrNotWAV = errors.New("tone: not a RIFF/WAVE file")
	// ErrUnsupportedWAV is returned for WAVE encodings other than 16-bit PCM.
	ErrUnsupportedWAV = errors.New("tone: unsupported WAVE encoding (want 16-bit PCM)")
	// ErrNoData is returned for a WAVE file without a data chunk.
	ErrNoData = errors.New("tone: WAVE file has no data chunk")
	// ErrExpectation is wrapped by every failed Report.Check expectation.
	ErrExpectation = errors.New("tone: expectation failed")
)
