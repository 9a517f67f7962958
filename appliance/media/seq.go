package media

import "time"

// Sequence tracking after RFC 3550 appendix A.1, simplified: the source was
// already authenticated by address, SSRC and (with SRTP) key, so a large
// sequence jump is taken as a sender restart at once instead of after a
// probation of two packets.
const (
	maxDropout  = 3000 // forward jump beyond which the sequence restarts
	maxMisorder = 100  // backward distance still counted as reordering
	seqWindow   = 64   // recent sequence numbers remembered for duplicates
)

// seqResult classifies a sequence number.
type seqResult uint8

const (
	seqNewest    seqResult = iota // highest so far (in order, maybe after a loss)
	seqReordered                  // older than the highest, first time seen
	seqDuplicate                  // seen before
	seqRestart                    // a jump: a new run of this source begins
)

// seqTracker counts expected, received and duplicate packets of one source
// across sequence wraparound, restarts and SSRC changes. Counts of finished
// runs are folded into the prior totals so the stream's figures are
// cumulative for the call.
type seqTracker struct {
	started  bool
	base     int64  // extended sequence number of the run's first packet
	max      int64  // highest extended sequence number of the run
	window   uint64 // bit i set: max-i was received
	received uint64 // unique packets of the run

	expectedPrior uint64
	receivedPrior uint64
	duplicates    uint64
}

func (t *seqTracker) update(seq uint16) seqResult {
	if !t.started {
		t.startRun(seq)
		return seqNewest
	}
	delta := int64(int16(seq - uint16(t.max)))
	switch {
	case delta > 0 && delta <= maxDropout:
		t.max += delta
		if delta >= seqWindow {
			t.window = 0
		} else {
			t.window <<= uint(delta)
		}
		t.window |= 1
		t.received++
		return seqNewest
	case delta <= 0 && -delta < seqWindow:
		bit := uint64(1) << uint(-delta)
		if t.window&bit != 0 {
			t.duplicates++
			return seqDuplicate
		}
		t.window |= bit
		t.received++
		return seqReordered
	case delta < 0 && -delta <= maxMisorder:
		// Too old to check for duplication; counted once and, in
		// practice, late.
		t.received++
		return seqReordered
	}
	t.fold()
	t.startRun(seq)
	return seqRestart
}

func (t *seqTracker) startRun(seq uint16) {
	t.started = true
	t.base = int64(seq)
	t.max = t.base
	t.window = 1
	t.received = 1
}

// fold ends the current run (a restart or a new SSRC).
func (t *seqTracker) fold() {
	if !t.started {
		return
	}
	t.expectedPrior += uint64(t.max - t.base + 1)
	t.receivedPrior += t.received
	t.started = false
	t.received = 0
}

func (t *seqTracker) expected() uint64 {
	n := t.expectedPrior
	if t.started {
		n += uint64(t.max - t.base + 1)
	}
	return n
}

func (t *seqTracker) totalReceived() uint64 { return t.receivedPrior + t.received }

// lost is expected minus received, floored at zero: packets reordered from
// before a run's first packet can make received exceed expected.
func (t *seqTracker) lost() uint64 {
	e, r := t.expected(), t.totalReceived()
	if r >= e {
		return 0
	}
	return e - r
}

// interarrival is the RFC 3550 §6.4.1 / A.8 jitter estimate, kept in
// nanoseconds rather than timestamp units: J += (|D| - J) / 16.
type interarrival struct {
	have     bool
	prevArr  time.Time
	prevTS   uint32
	jitterNs float64
}

func (e *interarrival) update(arrival time.Time, ts uint32) {
	if e.have {
		d := arrival.Sub(e.prevArr) - time.Duration(int32(ts-e.prevTS))*sampleDuration
		if d < 0 {
			d = -d
		}
		e.jitterNs += (float64(d) - e.jitterNs) / 16
	}
	e.have, e.prevArr, e.prevTS = true, arrival, ts
}

func (e *interarrival) jitter() time.Duration { return time.Duration(e.jitterNs) }
