package media

import "time"

// maxCatchUp bounds how far behind its clock a session may fall before
// frames are skipped instead of produced. Up to it, a late tick produces
// every missed frame (the jitter buffers still hold that audio); beyond it
// (a suspended VM, a stopped process) the audio is gone anyway and a burst
// of silent frames would only flood the sinks. Skipped time shows as a jump
// in Frame.Start.
const maxCatchUp = 2 * time.Second

// Frame is one frame period of interleaved stereo PCM, 16-bit at 8 kHz:
// Samples[2*i] is channel 0 (external), Samples[2*i+1] channel 1
// (internal).
type Frame struct {
	// Seq counts the session's frames from 0 without gaps.
	Seq uint64
	// Start is the frame's position on the session clock. It advances by
	// the frame period, and jumps over holds and skipped stalls.
	Start time.Duration
	// Samples is valid only during WriteFrame; copy what you keep.
	Samples []int16
	// Missing counts the concealed (silent) samples of each channel.
	Missing [2]int
}

// Sink receives a session's frames. WriteFrame runs on an engine clock
// worker that serves hundreds of sessions, so it must return quickly and
// never block: the relay sinks copy the frame into their own buffers. It
// must not call the session's Close. An error is counted and logged (once
// per run of errors); frames keep coming.
type Sink interface {
	WriteFrame(f *Frame) error
}

// discardSink is used when NewSession gets a nil sink.
type discardSink struct{}

// WriteFrame drops the frame.
func (discardSink) WriteFrame(*Frame) error { return nil }

// framer is a session's frame production state; Session.frameMu guards it,
// except the first four fields, which never change after newFramer.
type framer struct {
	period       time.Duration
	frameSamples int
	maxCatchUp   int64 // frames
	maxFlush     int64 // frames the final flush may produce

	acc     [2][]int32 // mix accumulators, one frame per channel
	have    [2][]uint8 // 1: sample present, per channel
	out     []int16    // interleaved output
	frame   Frame
	streams []*Stream // the tick's snapshot of the session's streams

	gaps      gapLog
	seq       uint64
	lastFrame int64 // index of the last frame produced, -1 before any
	lastEnd   int64 // session position after the last frame produced
	frames    uint64
	concealed [2]uint64
	failing   bool // the sink's last WriteFrame failed
}

func newFramer(p *engineParams, m *Metrics) framer {
	n := p.frameSamples
	fr := framer{
		period:       p.period,
		frameSamples: n,
		maxCatchUp:   int64(maxCatchUp / p.period),
		maxFlush:     int64(p.ringSize / n),
		out:          make([]int16, 2*n),
		lastFrame:    -1,
		gaps:         gapLog{m: m},
	}
	for ch := range fr.acc {
		fr.acc[ch] = make([]int32, n)
		fr.have[ch] = make([]uint8, n)
	}
	return fr
}

// tick produces every frame that has fallen due by now. Frame k covers
// session time [k*period, (k+1)*period) and is due once that has passed,
// so a late tick catches up and frames never drift from the clock.
func (s *Session) tick(now time.Time) {
	s.frameMu.Lock()
	defer s.frameMu.Unlock()
	fr := &s.fr
	s.mu.Lock()
	if s.state != stateActive {
		s.mu.Unlock()
		return
	}
	due := int64(now.Sub(s.clockZero) / fr.period)
	first := s.nextFrame
	if due <= first {
		s.mu.Unlock()
		return
	}
	if behind := due - first; behind > fr.maxCatchUp {
		s.eng.m.skipped.Add(float64(behind - fr.maxCatchUp))
		first = due - fr.maxCatchUp
	}
	if due-first > 1 {
		s.eng.m.catchUp.Add(float64(due - first - 1))
	}
	s.nextFrame = due
	fr.streams = append(fr.streams[:0], s.streams...)
	s.mu.Unlock()

	for k := first; k < due; k++ {
		s.produceFrameLocked(k)
	}
}

// produceFrameLocked mixes frame k from every stream and hands it to the
// sink. Streams on the same channel are summed with saturation. The caller
// holds frameMu and has set fr.streams.
func (s *Session) produceFrameLocked(k int64) {
	fr := &s.fr
	n := fr.frameSamples
	pos := k * int64(n)
	if k != fr.lastFrame+1 {
		fr.gaps.closeAll(fr.lastEnd) // the clock jumped: a hold or a skip
	}
	for ch := range fr.acc {
		clear(fr.acc[ch])
		clear(fr.have[ch])
	}
	for _, st := range fr.streams {
		st.readFrame(pos, &fr.acc, &fr.have)
	}
	out, l, r := fr.out[:2*n], fr.acc[0][:n], fr.acc[1][:n]
	for i := range n {
		out[2*i] = int16(min(max(l[i], -32768), 32767))
		out[2*i+1] = int16(min(max(r[i], -32768), 32767))
	}
	var missing [2]int
	for ch, have := range fr.have {
		present := 0
		for _, h := range have {
			present += int(h)
		}
		missing[ch] = n - present
		fr.concealed[ch] += uint64(missing[ch])
		fr.gaps.frame(ch, pos, have, missing[ch])
	}
	if c := missing[0] + missing[1]; c > 0 {
		s.eng.m.concealed.Add(float64(c))
	}

	fr.frame = Frame{Seq: fr.seq, Start: time.Duration(k) * fr.period, Samples: fr.out, Missing: missing}
	if err := s.sink.WriteFrame(&fr.frame); err != nil {
		s.eng.m.sinkErrors.Inc()
		if !fr.failing {
			s.log.Warn("media: sink refused a frame", "seq", fr.seq, "err", err)
		}
		fr.failing = true
	} else {
		fr.failing = false
	}
	fr.seq++
	fr.frames++
	fr.lastFrame, fr.lastEnd = k, pos+int64(n)
	s.eng.m.frames.Inc()
}

// flush produces, at once, the frames that still have buffered audio
// (when the session was active at Close) and closes the gap log.
func (s *Session) flush(active bool) {
	s.frameMu.Lock()
	defer s.frameMu.Unlock()
	fr := &s.fr
	s.mu.Lock()
	first := s.nextFrame
	fr.streams = append(fr.streams[:0], s.streams...)
	s.mu.Unlock()
	if active {
		var end int64
		for _, st := range fr.streams {
			end = max(end, st.bufferedEnd())
		}
		n := int64(fr.frameSamples)
		last := min((end+n-1)/n, first+fr.maxFlush)
		for k := first; k < last; k++ {
			s.produceFrameLocked(k)
		}
		s.mu.Lock()
		s.nextFrame = max(s.nextFrame, last)
		s.mu.Unlock()
	}
	fr.gaps.closeAll(fr.lastEnd)
	clear(fr.streams)
}
