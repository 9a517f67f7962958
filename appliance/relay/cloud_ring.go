package relay

import "github.com/cogito/cogito-edge/appliance/audiohook"

// A cloud recording keeps its audio as stereo mu-law, the wire format, so
// a 30 s buffer costs 480 KB at most. The ring is made of one-second
// blocks taken from a store-wide free list as the ring grows and given
// back as the cloud acknowledges audio, so a healthy call holds only the
// few seconds not yet acknowledged.
const (
	cloudBlockSamples = SampleRate // per channel: one second
	cloudBlockBytes   = cloudBlockSamples * Channels
	// cloudPoolBlocks bounds the store's free list (16 MB).
	cloudPoolBlocks = 1024
)

type cloudBlock [cloudBlockBytes]byte

// blockPool is a bounded free list of ring blocks; get and put never block.
type blockPool chan *cloudBlock

func (p blockPool) get() *cloudBlock {
	select {
	case b := <-p:
		return b
	default:
		return new(cloudBlock)
	}
}

func (p blockPool) put(b *cloudBlock) {
	select {
	case p <- b:
	default:
	}
}

// cloudRing holds stereo mu-law audio by absolute sample index (per
// channel, from the start of the recording): samples start..end-1, at most
// capacity of them. Block k lives in slots[k % len(slots)]; a slot is a
// buffer, nil until needed and released once wholly before start.
type cloudRing struct {
	slots      []*cloudBlock
	capacity   int64
	start, end int64
	pool       blockPool
}

func newCloudRing(capacity int64, pool blockPool) cloudRing {
	n := (capacity+cloudBlockSamples-1)/cloudBlockSamples + 1
	return cloudRing{slots: make([]*cloudBlock, n), capacity: capacity, pool: pool}
}

// held is the number of samples per channel in the ring.
func (g *cloudRing) held() int64 { return g.end - g.start }

// advance forgets the samples before to (at most end), giving back the
// blocks wholly before it.
func (g *cloudRing) advance(to int64) {
	to = min(to, g.end)
	if to <= g.start {
		return
	}
	n := int64(len(g.slots))
	for k := g.start / cloudBlockSamples; k < to/cloudBlockSamples; k++ {
		if b := g.slots[k%n]; b != nil {
			g.pool.put(b)
			g.slots[k%n] = nil
		}
	}
	g.start = to
}

// write appends interleaved stereo samples as mu-law. When they do not fit,
// the oldest samples are dropped first: dropped of them, from index from.
// It allocates only when the ring grows into a slot with no block and the
// pool is empty.
func (g *cloudRing) write(stereo []int16) (from, dropped int64) {
	n := int64(len(stereo) / Channels)
	if over := g.end + n - g.start - g.capacity; over > 0 {
		from, dropped = g.start, over
		if held := g.held(); over <= held {
			g.advance(g.start + over)
		} else { // longer than the ring: keep its tail
			g.advance(g.end)
			skip := over - held
			stereo = stereo[skip*Channels:]
			g.start += skip
			g.end += skip
		}
	}
	slots := int64(len(g.slots))
	for len(stereo) > 0 {
		k, off := g.end/cloudBlockSamples, g.end%cloudBlockSamples
		b := g.slots[k%slots]
		if b == nil {
			b = g.pool.get()
			g.slots[k%slots] = b
		}
		m := min(cloudBlockSamples-off, int64(len(stereo)/Channels))
		dst := b[off*Channels : (off+m)*Channels]
		src := stereo[:len(dst)]
		for i, v := range src {
			dst[i] = audiohook.EncodeULaw(v)
		}
		stereo = stereo[len(dst):]
		g.end += m
	}
	return from, dropped
}

// read copies samples from..from+len(dst)/2-1 (all within the ring) into
// dst as mu-law.
func (g *cloudRing) read(dst []byte, from int64) {
	slots := int64(len(g.slots))
	for len(dst) > 0 {
		k, off := from/cloudBlockSamples, from%cloudBlockSamples
		n := copy(dst, g.slots[k%slots][off*Channels:])
		dst = dst[n:]
		from += int64(n / Channels)
	}
}

// release gives every block back to the pool.
func (g *cloudRing) release() {
	for i, b := range g.slots {
		if b != nil {
			g.pool.put(b)
			g.slots[i] = nil
		}
	}
	g.start = g.end
}

// cloudMark is a hold boundary in the stream: at sample index at, the
// session pauses (pause) or resumes.
type cloudMark struct {
	at    int64
	pause bool
}

// maxCloudMarks bounds the hold boundaries not yet acknowledged; beyond it
// a hold that never let audio through is folded away.
const maxCloudMarks = 64

// stampRing remembers when the first sample of each relay frame slot
// (index / frame samples) arrived, for the send latency.
type stampRing struct {
	fs    int64 // samples per relay frame
	times []int64
}

func newStampRing(capacity, fs int64) stampRing {
	return stampRing{fs: fs, times: make([]int64, capacity/fs+2)}
}

// mark stamps the frame slots that begin within start..start+n-1.
func (s *stampRing) mark(start, n, now int64) {
	n64 := int64(len(s.times))
	for b := (start + s.fs - 1) / s.fs * s.fs; b < start+n; b += s.fs {
		s.times[(b/s.fs)%n64] = now
	}
}

// at returns the stamp of the slot holding sample i.
func (s *stampRing) at(i int64) int64 { return s.times[(i/s.fs)%int64(len(s.times))] }
