package media

import (
	"fmt"
	"math/bits"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Audio constants. Every codec we decode runs at an 8 kHz RTP clock (G.722
// too, RFC 3551 §4.5.2) and is played out at 8 kHz, so one RTP timestamp
// unit is one output sample throughout the package.
const (
	// SampleRate is the rate of the PCM in frames, per channel.
	SampleRate = 8000
	// sampleDuration is the length of one sample.
	sampleDuration = time.Second / SampleRate
	// maxPacketSamples bounds the audio in one packet (128 ms). Larger
	// packets are dropped as bad_rtp; no SBC sends them and the bound keeps
	// the jitter ring small.
	maxPacketSamples = 1024
	// headroomSamples is how far above the playout delay the buffer may fill
	// (200 ms) before it re-anchors: first-packet jitter plus clock drift.
	headroomSamples = 200 * SampleRate / 1000
)

// Defaults and limits of EngineConfig.
const (
	// DefaultFramePeriod is the frame length when EngineConfig leaves it zero.
	DefaultFramePeriod = 20 * time.Millisecond
	// DefaultPlayoutDelay is the jitter buffer depth when EngineConfig
	// leaves it zero.
	DefaultPlayoutDelay = 60 * time.Millisecond
	// MaxStreams bounds the streams of one session; SIPREC sends two.
	MaxStreams = 8

	minFramePeriod  = 5 * time.Millisecond
	maxFramePeriod  = 100 * time.Millisecond
	maxPlayoutDelay = 2 * time.Second
	maxWorkers      = 64
)

// EngineConfig configures an Engine. The zero value of every duration means
// its default.
type EngineConfig struct {
	// Address is the local address media sockets bind to (media.address).
	Address netip.Addr
	// Ports is the inclusive port range, "20000-29999" (media.ports). RTP
	// takes even ports; the odd port after each is reserved for RTCP.
	Ports string
	// FramePeriod is the length of one stereo frame (default 20 ms); it must
	// hold a whole number of 8 kHz samples.
	FramePeriod time.Duration
	// PlayoutDelay is the jitter buffer depth (default 60 ms): how long after
	// its arrival the first packet of a source is played.
	PlayoutDelay time.Duration
	// Workers is the number of clock goroutines (default GOMAXPROCS).
	Workers int
}

// engineParams is a validated EngineConfig with its derived sizes.
type engineParams struct {
	addr         netip.Addr
	portLo       int // first RTP port (even)
	pairs        int // RTP/RTCP pairs in the range
	period       time.Duration
	frameSamples int
	delaySamples int
	ringSize     int // jitter ring length, a power of two
	highWater    int // fill above which the buffer re-anchors
	workers      int
}

// validate applies defaults and checks c. It binds nothing.
func (c EngineConfig) validate() (engineParams, error) {
	var p engineParams
	if !c.Address.IsValid() {
		return p, fmt.Errorf("%w: address is not set", ErrConfig)
	}
	p.addr = c.Address.Unmap()
	lo, pairs, err := parsePortRange(c.Ports)
	if err != nil {
		return p, err
	}
	p.portLo, p.pairs = lo, pairs

	p.period = c.FramePeriod
	if p.period == 0 {
		p.period = DefaultFramePeriod
	}
	if p.period < minFramePeriod || p.period > maxFramePeriod || p.period%sampleDuration != 0 {
		return p, fmt.Errorf("%w: frame period %v: want %v-%v in whole 8 kHz samples", ErrConfig, p.period, minFramePeriod, maxFramePeriod)
	}
	p.frameSamples = int(p.period / sampleDuration)

	delay := c.PlayoutDelay
	if delay == 0 {
		delay = DefaultPlayoutDelay
	}
	if delay < 0 || delay > maxPlayoutDelay {
		return p, fmt.Errorf("%w: playout delay %v: want 0-%v", ErrConfig, delay, maxPlayoutDelay)
	}
	p.delaySamples = int(delay / sampleDuration)

	// The ring must hold everything between the read position and the
	// furthest write: the delay, the headroom, one packet and one frame.
	need := p.delaySamples + headroomSamples + maxPacketSamples + p.frameSamples
	p.ringSize = 1 << bits.Len(uint(need-1))
	p.highWater = p.delaySamples + headroomSamples

	p.workers = c.Workers
	if p.workers == 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	if p.workers < 1 || p.workers > maxWorkers {
		return p, fmt.Errorf("%w: workers %d: want 1-%d", ErrConfig, c.Workers, maxWorkers)
	}
	return p, nil
}

// parsePortRange parses "lo-hi" (inclusive) into the first even RTP port and
// the number of RTP/RTCP pairs that fit. An odd start is rounded up rather
// than refused: the config package enforces the documented form.
func parsePortRange(s string) (lo, pairs int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%w: ports %q: want \"start-end\"", ErrConfig, s)
	}
	start, err1 := strconv.Atoi(strings.TrimSpace(a))
	end, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || start < 1 || end > 65535 || start > end {
		return 0, 0, fmt.Errorf("%w: ports %q: want start-end within 1-65535", ErrConfig, s)
	}
	lo = start + start%2
	pairs = (end - lo + 1) / 2
	if pairs < 1 {
		return 0, 0, fmt.Errorf("%w: ports %q: no even/odd port pair in range", ErrConfig, s)
	}
	return lo, pairs, nil
}
