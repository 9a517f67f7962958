package media

// jitterBuffer is one stream's playout buffer: a ring of 8 kHz PCM samples
// addressed by session position (samples since the session clock started).
// Packets are placed by RTP timestamp, so reordered packets land where they
// belong and duplicates overwrite themselves; the session clock reads one
// frame at a time, and whatever was not written by then is silence.
//
// Anchoring: the first packet of a source is placed at "now + playout
// delay". Each later in-order packet moves the anchor to itself (so
// timestamp arithmetic stays within 32 bits for any call length) unless it
// falls outside [read position, read position + high water]: a slow sender
// or a backward timestamp jump lands behind the read position, a fast
// sender or a forward jump too far ahead. Either way the buffer re-anchors
// the packet at now + delay and counts it. Reordered (not newest) packets
// never move the anchor; behind the read position they are late.
//
// Invariant: a ring slot holds 0 unless its flag is set, so reading adds
// slots into the mix without a branch per sample. Every path that clears a
// flag clears its sample.
//
// The buffer has no lock of its own: the owning Stream's mu guards it.
type jitterBuffer struct {
	ring  []int16
	flags []uint8 // 1: the slot was written and not yet read
	mask  int64
	delay int64 // playout delay, samples
	high  int64 // high water: furthest fill ahead of readPos, samples

	readPos   int64 // session position of the next sample the clock reads
	endPos    int64 // one past the furthest sample written
	anchored  bool
	anchorTS  uint32
	anchorPos int64

	reanchors uint64
	late      uint64 // packets wholly or partly behind the read position
	overruns  uint64 // packets beyond the ring (clock stalled)
}

// placeResult says what place decided for a packet.
type placeResult uint8

const (
	placeOK      placeResult = iota
	placeLate                // entirely played out already
	placeOverrun             // would overwrite unread audio
)

func newJitterBuffer(p *engineParams) jitterBuffer {
	return jitterBuffer{
		ring:  make([]int16, p.ringSize),
		flags: make([]uint8, p.ringSize),
		mask:  int64(p.ringSize - 1),
		delay: int64(p.delaySamples),
		high:  int64(p.highWater),
	}
}

// seek moves the read position to pos and empties the buffer; the next
// packet anchors. The session calls it when a stream starts or resumes
// playing, since audio from before that is not wanted.
func (j *jitterBuffer) seek(pos int64) {
	clear(j.ring)
	clear(j.flags)
	j.readPos, j.endPos = pos, pos
	j.anchored = false
}

// unanchor makes the next packet anchor anew (a new source) while keeping
// what is buffered: the old source's last audio still plays out.
func (j *jitterBuffer) unanchor() { j.anchored = false }

// place finds the session position of a packet of n samples with RTP
// timestamp ts. nowPos is the session position of its arrival; newest says
// it carries the highest sequence number so far. It returns the position
// of the first sample and how many leading samples are already behind the
// read position.
func (j *jitterBuffer) place(ts uint32, n int, nowPos int64, newest bool) (pos int64, skip int, res placeResult) {
	if !j.anchored {
		j.anchor(ts, nowPos)
		newest = false // just anchored: nothing to check
	}
	pos = j.anchorPos + int64(int32(ts-j.anchorTS))
	end := pos + int64(n)
	if newest {
		if pos < j.readPos || end-j.readPos > j.high {
			j.anchor(ts, nowPos)
			j.reanchors++
			pos = j.anchorPos
			end = pos + int64(n)
		} else {
			j.anchorTS, j.anchorPos = ts, pos
		}
	}
	switch {
	case end <= j.readPos:
		j.late++
		return pos, n, placeLate
	case end-j.readPos > int64(len(j.ring)):
		j.overruns++
		return pos, n, placeOverrun
	case pos < j.readPos:
		j.late++
		skip = int(j.readPos - pos)
	}
	j.endPos = max(j.endPos, end)
	return pos, skip, placeOK
}

// anchor places timestamp ts at nowPos + delay (never behind the read
// position) and forgets anything buffered from there on: it belongs to the
// timeline being replaced.
func (j *jitterBuffer) anchor(ts uint32, nowPos int64) {
	p := max(nowPos+j.delay, j.readPos)
	if p < j.endPos {
		j.clearRange(p, j.endPos)
		j.endPos = p
	}
	j.anchored, j.anchorTS, j.anchorPos = true, ts, p
}

// segments splits the ring positions [pos, pos+n) into at most two
// contiguous index ranges, [a, a+n1) and [0, n-n1), for wraparound.
func (j *jitterBuffer) segments(pos int64, n int) (a, n1 int) {
	a = int(pos & j.mask)
	return a, min(n, len(j.ring)-a)
}

// clearRange empties the positions [from, to), at most one ring's worth.
func (j *jitterBuffer) clearRange(from, to int64) {
	n := int(min(to-from, int64(len(j.ring))))
	if n <= 0 {
		return
	}
	a, n1 := j.segments(from, n)
	clear(j.ring[a : a+n1])
	clear(j.flags[a : a+n1])
	clear(j.ring[:n-n1])
	clear(j.flags[:n-n1])
}

// writeTable decodes G.711 bytes through a 256-entry table straight into
// the ring at pos.
func (j *jitterBuffer) writeTable(pos int64, payload []byte, table *[256]int16) {
	a, n1 := j.segments(pos, len(payload))
	decodeTable(j.ring[a:a+n1], j.flags[a:a+n1], payload[:n1], table)
	decodeTable(j.ring, j.flags, payload[n1:], table)
}

func decodeTable(dst []int16, flags []uint8, src []byte, table *[256]int16) {
	dst, flags = dst[:len(src)], flags[:len(src)]
	for i, b := range src {
		dst[i] = table[b]
		flags[i] = 1
	}
}

// writeG722 decodes G.722 bytes into the ring at pos. Every byte goes
// through the decoder, including the skip bytes that are already late,
// because ADPCM state depends on every code in order.
func (j *jitterBuffer) writeG722(pos int64, skip int, payload []byte, d *g722Decoder) {
	for _, b := range payload[:skip] {
		d.decode8k(b)
	}
	payload = payload[skip:]
	a, n1 := j.segments(pos+int64(skip), len(payload))
	decodeG722(j.ring[a:a+n1], j.flags[a:a+n1], payload[:n1], d)
	decodeG722(j.ring, j.flags, payload[n1:], d)
}

func decodeG722(dst []int16, flags []uint8, src []byte, d *g722Decoder) {
	dst, flags = dst[:len(src)], flags[:len(src)]
	for i, b := range src {
		dst[i] = d.decode8k(b)
		flags[i] = 1
	}
}

// read adds the samples at [pos, pos+len(acc)) into acc, ORs their
// presence into have, and consumes them. Positions the clock skipped (hold,
// a stalled clock) are discarded first. It returns how many samples were
// present.
func (j *jitterBuffer) read(pos int64, acc []int32, have []uint8) int {
	if pos > j.readPos {
		j.discard(pos)
	}
	n := len(acc)
	if pos < j.readPos {
		// Already consumed: never happens while frames move forward.
		return 0
	}
	a, n1 := j.segments(pos, n)
	got := mixInto(acc[:n1], have[:n1], j.ring[a:a+n1], j.flags[a:a+n1])
	got += mixInto(acc[n1:], have[n1:], j.ring[:n-n1], j.flags[:n-n1])
	j.readPos = pos + int64(n)
	j.endPos = max(j.endPos, j.readPos)
	return got
}

// mixInto adds src into acc and flags into have, then empties src and
// flags. Empty slots hold 0, so the sum needs no branch.
func mixInto(acc []int32, have []uint8, src []int16, flags []uint8) int {
	acc, have, flags = acc[:len(src)], have[:len(src)], flags[:len(src)]
	got := 0
	for i, v := range src {
		acc[i] += int32(v)
		have[i] |= flags[i]
		got += int(flags[i])
	}
	clear(src)
	clear(flags)
	return got
}

// discard drops unread samples before pos.
func (j *jitterBuffer) discard(pos int64) {
	j.clearRange(j.readPos, pos)
	j.readPos = pos
	j.endPos = max(j.endPos, pos)
}
