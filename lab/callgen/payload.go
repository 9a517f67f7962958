package callgen

import (
	"sync"

	"github.com/cogito/cogito-edge/lab/tone"
)

// payloadTable is a tone pre-encoded for a whole number of packets after
// which it repeats seamlessly, so a sender copies a slice per packet instead
// of computing sines and G.711 on the hot path. Tables are read-only once
// built and shared by every leg that plays the same tone.
type payloadTable struct {
	data   []byte
	spp    int // samples (= bytes) per packet
	frames uint64
}

func newPayloadTable(t tone.Tone, c tone.Codec, spp int) *payloadTable {
	n := t.LoopSamples(tone.SampleRate, spp)
	pcm := make([]int16, n)
	t.Fill(pcm, tone.SampleRate, 0)
	return &payloadTable{data: c.AppendEncode(make([]byte, 0, n), pcm), spp: spp, frames: uint64(n / spp)}
}

// frame returns the payload of packet n of the stream.
func (p *payloadTable) frame(n uint64) []byte {
	off := int(n%p.frames) * p.spp
	return p.data[off : off+p.spp]
}

type tableKey struct {
	tone  tone.Tone
	codec tone.Codec
	spp   int
}

// tableCache hands out one payloadTable per (tone, codec, packet size).
type tableCache struct {
	mu sync.Mutex // guards m
	m  map[tableKey]*payloadTable
}

func (c *tableCache) get(t tone.Tone, codec tone.Codec, spp int) *payloadTable {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := tableKey{t, codec, spp}
	if p, ok := c.m[k]; ok {
		return p
	}
	if c.m == nil {
		c.m = make(map[tableKey]*payloadTable)
	}
	p := newPayloadTable(t, codec, spp)
	c.m[k] = p
	return p
}
