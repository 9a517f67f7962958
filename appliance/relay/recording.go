package relay

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// chunkBytes is one second of stereo audio: the unit handed to the writer,
// so that a crash loses at most about the last second.
const chunkBytes = SampleRate * frameBytes

// chunk is one buffer on its way to disk.
type chunk struct {
	buf [chunkBytes]byte
	n   int
	at  uint64 // recording position (samples per channel) of buf[0]
}

// put copies as many of src (interleaved int16) as fit, little-endian, and
// returns how many it took. len(src) is even and n stays a whole number of
// stereo frames, since chunkBytes is.
func (c *chunk) put(src []int16) int {
	k := min((chunkBytes-c.n)/bytesPerSample, len(src))
	src = src[:k]
	dst := c.buf[c.n : c.n+k*bytesPerSample]
	// Re-slicing dst two bytes at a time lets the compiler drop the bounds
	// checks; PutUint16 compiles to a single store.
	for _, v := range src {
		binary.LittleEndian.PutUint16(dst[:2], uint16(v))
		dst = dst[2:]
	}
	c.n += k * bytesPerSample
	return k
}

func (c *chunk) samples() uint64 { return uint64(c.n / frameBytes) }

// LocalRecording is one session's WAV and JSON. WriteFrame, Pause, Resume
// and Close are safe to call from different goroutines.
type LocalRecording struct {
	store    *LocalStore
	f        *os.File
	wavPath  string
	jsonPath string
	openedAt time.Time

	pending    chan *chunk   // full buffers for the writer; cap = store.queue
	free       chan *chunk   // written buffers for reuse
	maxChunks  int           // store.queue + 2: one filling, one being written
	writerDone chan struct{} // closed when routineWrite returns

	// mu guards the fields below. WriteFrame holds it only to copy samples
	// and hand a buffer over without blocking; no I/O is done under it.
	mu           sync.Mutex
	meta         RecordingMeta
	final        FinalMeta
	closedAt     time.Time
	closed       bool
	paused       bool
	cur          *chunk
	nchunks      int
	pos          uint64 // samples per channel accepted and not dropped
	frames       uint64
	pausedFrames uint64
	concealed    [Channels]uint64
	haveSeq      bool
	lastSeq      uint64
	nextStart    time.Duration
	gaps         []Gap
	gapsDropped  int
	holds        []Hold
	holdsDropped int
	dropped      Dropped

	// wmu guards the writer's results, read by manifest.
	wmu      sync.Mutex
	written  uint64 // sample bytes in the file, as the header says
	errs     []string
	errCount int
	firstErr error
}

func newLocalRecording(s *LocalStore, f *os.File, base string, meta RecordingMeta, now time.Time) *LocalRecording {
	meta.Keys = meta.Keys.Clone()
	meta.Agents = cloneOrNil(meta.Agents)
	return &LocalRecording{
		store:      s,
		f:          f,
		wavPath:    base + ".wav",
		jsonPath:   base + ".json",
		openedAt:   now,
		pending:    make(chan *chunk, s.queue),
		free:       make(chan *chunk, s.queue+2),
		maxChunks:  s.queue + 2,
		writerDone: make(chan struct{}),
		meta:       meta,
		gaps:       make([]Gap, 0, 8),
	}
}

// Path returns the WAV file's path.
func (r *LocalRecording) Path() string { return r.wavPath }

// Err returns the first I/O error of the recording, or nil. Errors never
// reach WriteFrame's caller: the call goes on, the JSON reports them.
func (r *LocalRecording) Err() error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	return r.firstErr
}

// WriteFrame copies f's samples into the current buffer and hands full
// buffers to the writer. It does no I/O, never blocks on the disk, and
// does not allocate once the recording's buffers exist. Frames during a
// hold are counted and not recorded.
func (r *LocalRecording) WriteFrame(f *Frame) error {
	if n := len(f.Samples); n == 0 || n%Channels != 0 {
		r.store.m.invalidFrames.Inc()
		return ErrFrameFormat
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if r.paused {
		r.pausedFrames++
		r.store.m.pausedFrames.Inc()
		return nil
	}
	r.trackLocked(f)
	src := f.Samples
	for len(src) > 0 {
		if r.cur == nil {
			if r.cur = r.takeChunkLocked(); r.cur == nil {
				// Every buffer is queued or being written: the disk is
				// behind. Drop the rest of this frame.
				r.dropLocked(r.pos, uint64(len(src)/Channels), dropQueueFull)
				break
			}
		}
		src = src[r.cur.put(src):]
		if r.cur.n == chunkBytes {
			r.handOffLocked(true)
		}
	}
	r.frames++
	r.store.m.frames.Inc()
	return nil
}

// Pause marks the start of a hold and hands the partial buffer to the
// writer, so the audio before the hold reaches the disk now.
func (r *LocalRecording) Pause() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.paused {
		return
	}
	r.paused = true
	if len(r.holds) < maxHolds {
		r.holds = append(r.holds, Hold{Start: r.store.now(), AtSeconds: seconds(r.positionLocked())})
	} else {
		r.holdsDropped++
	}
	if r.cur != nil && r.cur.n > 0 {
		r.handOffLocked(false)
	}
}

// Resume ends a hold.
func (r *LocalRecording) Resume() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || !r.paused {
		return
	}
	r.paused = false
	r.endHoldLocked(r.store.now())
	// The media side may or may not count frames during the hold; the
	// next frame starts a fresh sequence rather than a reported gap.
	r.haveSeq = false
}

func (r *LocalRecording) endHoldLocked(now time.Time) {
	if n := len(r.holds); n > 0 && r.holds[n-1].End.IsZero() {
		r.holds[n-1].End = now
	}
}

// positionLocked is the recording position (samples per channel) of the
// next sample: everything handed off or buffered, minus what was dropped.
func (r *LocalRecording) positionLocked() uint64 {
	p := r.pos
	if r.cur != nil {
		p += r.cur.samples()
	}
	return p
}

// gapTolerance absorbs rounding in Start; a real gap is at least a frame.
const gapTolerance = time.Millisecond

// trackLocked counts concealment and records gaps: a jump in Seq (frames
// never delivered) or in Start (media skips the session clock over a
// stall without a Seq jump).
func (r *LocalRecording) trackLocked(f *Frame) {
	r.concealed[0] += uint64(max(f.Missing[0], 0))
	r.concealed[1] += uint64(max(f.Missing[1], 0))
	if r.haveSeq && (f.Seq > r.lastSeq+1 || f.Start > r.nextStart+gapTolerance) {
		var missing uint64
		if f.Seq > r.lastSeq+1 {
			missing = f.Seq - r.lastSeq - 1
		}
		if len(r.gaps) < maxGaps {
			r.gaps = append(r.gaps, Gap{
				AtSeconds:     seconds(r.positionLocked()),
				StartSeconds:  f.Start.Seconds(),
				Seconds:       max(f.Start-r.nextStart, 0).Seconds(),
				MissingFrames: missing,
			})
		} else {
			r.gapsDropped++
		}
	}
	r.haveSeq = true
	r.lastSeq = f.Seq
	r.nextStart = f.Start + time.Duration(len(f.Samples)/Channels)*time.Second/SampleRate
}

// takeChunkLocked returns a free buffer, allocating one while the
// recording owns fewer than maxChunks, or nil at the bound.
func (r *LocalRecording) takeChunkLocked() *chunk {
	var c *chunk
	select {
	case c = <-r.free:
	default:
		if r.nchunks >= r.maxChunks {
			return nil
		}
		r.nchunks++
		c = new(chunk)
	}
	c.n = 0
	c.at = r.positionLocked()
	return c
}

// handOffLocked queues the current buffer for the writer without blocking.
// When the queue is full, a full buffer is dropped (drop=true) and reused;
// a partial one (Pause) simply stays current.
func (r *LocalRecording) handOffLocked(drop bool) {
	c := r.cur
	n := c.samples() // c belongs to the writer once sent
	select {
	case r.pending <- c:
		r.pos += n
		r.cur = nil
	default:
		if drop {
			r.dropLocked(c.at, n, dropQueueFull)
			c.n = 0
		}
	}
}

// dropLocked records samples per channel that will never reach the file,
// missing at recording position at.
func (r *LocalRecording) dropLocked(atPos, samples uint64, reason string) {
	r.dropped.SamplesPerChannel += samples
	if reason == dropQueueFull {
		r.store.m.droppedQueue.Add(float64(samples))
	} else {
		r.store.m.dropped.WithLabelValues(reason).Add(float64(samples))
	}
	at := seconds(atPos)
	if n := len(r.dropped.Intervals); n > 0 {
		// Consecutive drops for the same reason extend one interval.
		last := &r.dropped.Intervals[n-1]
		if last.Reason == reason && last.AtSeconds == at {
			last.Seconds += seconds(samples)
			return
		}
	}
	if len(r.dropped.Intervals) < maxDrops {
		r.dropped.Intervals = append(r.dropped.Intervals, DropInterval{AtSeconds: at, Seconds: seconds(samples), Reason: reason})
	}
}

// manifest builds the JSON document from the current state.
func (r *LocalRecording) manifest(status string) Manifest {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wmu.Lock()
	defer r.wmu.Unlock()
	keys, agent, agents, dir := r.meta.Keys.Clone(), r.meta.AgentID, r.meta.Agents, r.meta.Direction
	keys.AddAll(r.final.Keys)
	if len(r.final.Agents) > 0 {
		agents = r.final.Agents
	}
	if r.final.AgentID != "" {
		agent = r.final.AgentID
	}
	if r.final.Direction != "" {
		dir = r.final.Direction
	}
	samples := r.written / frameBytes
	m := Manifest{
		Version:   manifestVersion,
		SessionID: r.meta.SessionID,
		Status:    status,
		File:      filepath.Base(r.wavPath),
		Format:    Format{Encoding: "pcm_s16le", SampleRate: SampleRate, Channels: ChannelMap[:]},
		Keys:      keys,
		Direction: dir,
		AgentID:   agent,
		Agents:    cloneOrNil(agents),
		Times: Times{
			Offered: r.meta.OfferedAt, Activated: r.meta.ActivatedAt, Opened: r.openedAt,
			Ended: r.final.EndedAt, Closed: r.closedAt,
		},
		DurationSeconds:   seconds(samples),
		Frames:            r.frames,
		SamplesPerChannel: samples,
		DataBytes:         r.written,
		ConcealedSamples:  r.concealed,
		Gaps:              cloneOrNil(r.gaps),
		GapsDropped:       r.gapsDropped,
		Holds:             cloneOrNil(r.holds),
		HoldsDropped:      r.holdsDropped,
		Dropped:           Dropped{SamplesPerChannel: r.dropped.SamplesPerChannel, Intervals: cloneOrNil(r.dropped.Intervals)},
		PausedFrames:      r.pausedFrames,
		Participants:      cloneOrNil(r.meta.Participants),
		Streams:           cloneOrNil(r.final.Streams),
		EndReason:         r.final.Reason,
		Errors:            cloneOrNil(r.errs),
		ErrorCount:        r.errCount,
	}
	return m
}

func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

// LocalRecording is a Recording.
var _ Recording = (*LocalRecording)(nil)
