package media

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/srtp/v3"
)

// pathRig is a session with one stream per channel, driven by hand (no
// engine workers, no syscalls): the receive path from datagram to jitter
// buffer and the framer that reads it.
type pathRig struct {
	eng     *Engine
	s       *Session
	streams [2]*Stream
	pkts    [2][]byte // plain RTP packets, rewritten in place
	now     time.Time
	enc     [2]*srtp.Context
	sealed  [2][][]byte // pre-encrypted packets
}

func newPathRig(tb testing.TB, key *SRTPParams) *pathRig {
	tb.Helper()
	e, err := NewEngine(EngineConfig{Address: loopback, Ports: testPortRange(4)}, nil, NewMetrics(nil))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = e.Close() })
	r := &pathRig{eng: e, now: time.Now()}
	e.now = func() time.Time { return r.now }
	r.s = e.NewSession("rig", nil) // discard sink: the path, not a test sink, is measured
	for ch := range 2 {
		st, err := r.s.AddStream(StreamParams{Peer: peerA, Payloads: pcmu(), SRTP: key, Channel: Channel(ch)})
		if err != nil {
			tb.Fatal(err)
		}
		r.streams[ch] = st
		payload := ulawPayload(tone(440*float64(ch+1), 8000, 0, 160))
		r.pkts[ch] = rtpPacket(tb, 0, 0, uint32(100+ch), 0, payload)
		if key != nil {
			if r.enc[ch], err = srtp.CreateContext(key.Key, key.Salt, key.Profile); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := r.s.Activate(); err != nil {
		tb.Fatal(err)
	}
	return r
}

// plain returns stream ch's next packet, rewriting sequence number and
// timestamp in place.
func (r *pathRig) plain(ch int, k uint32) []byte {
	p := r.pkts[ch]
	binary.BigEndian.PutUint16(p[2:], uint16(k))
	binary.BigEndian.PutUint32(p[4:], k*160)
	return p
}

// seal pre-encrypts count packets per stream from sequence number from.
func (r *pathRig) seal(tb testing.TB, from, count uint32) {
	tb.Helper()
	for ch := range 2 {
		r.sealed[ch] = r.sealed[ch][:0]
		for k := from; k < from+count; k++ {
			out, err := r.enc[ch].EncryptRTP(nil, r.plain(ch, k), nil)
			if err != nil {
				tb.Fatal(err)
			}
			r.sealed[ch] = append(r.sealed[ch], out)
		}
	}
}

// packet delivers packet k to stream ch. For SRTP, k indexes the sealed
// batch.
func (r *pathRig) packet(ch int, k uint32, sealedIdx int) {
	p := r.plain(ch, k)
	if r.enc[ch] != nil {
		p = r.sealed[ch][sealedIdx]
	}
	r.streams[ch].handlePacket(p, peerA, r.now)
}

// frame advances the clock by one frame and lets the session produce it.
func (r *pathRig) frame() {
	r.now = r.now.Add(20 * time.Millisecond)
	r.s.tick(r.now)
}

func TestReceivePathDoesNotAllocate(t *testing.T) {
	tests := map[string]*SRTPParams{
		"RTP":                          nil,
		"SRTP AES_CM_128_HMAC_SHA1_80": testKey(t, srtp.ProtectionProfileAes128CmHmacSha1_80, 1),
		"SRTP AEAD_AES_128_GCM":        testKey(t, srtp.ProtectionProfileAeadAes128Gcm, 2),
	}
	for name, key := range tests {
		t.Run(name, func(t *testing.T) {
			if raceEnabled && key != nil && key.Profile == srtp.ProtectionProfileAes128CmHmacSha1_80 {
				t.Skip("pion's AES-CM keystream uses a sync.Pool, which drops items under -race; asserted in normal builds")
			}
			r := newPathRig(t, key)
			const warm, runs = 20, 1000
			if key != nil {
				r.seal(t, 0, warm+runs+1)
			}
			k := uint32(0)
			step := func() {
				r.packet(0, k, int(k))
				r.packet(1, k, int(k))
				r.frame()
				k++
			}
			// Warm up: anchor, the opening gap closes, metrics series exist.
			for range warm {
				step()
			}
			if a := testing.AllocsPerRun(runs, step); a != 0 {
				t.Fatalf("%v allocations per packet pair and frame, want 0", a)
			}
			for ch, st := range r.streams {
				s := st.Stats()
				if s.Packets != uint64(k) || len(s.Dropped) != 0 || s.Late != 0 || s.Reanchors != 0 {
					t.Fatalf("stream %d: %+v", ch, s)
				}
			}
			// Audio really flowed: the frames carried no concealment after
			// the opening playout delay.
			if c := r.s.Stats().Concealed; c[0] > 1000 || c[1] > 1000 {
				t.Fatalf("concealed %v samples", c)
			}
		})
	}
}

// TestHandlePacketDropsDoNotAllocate covers the drop paths a flood would
// take.
func TestHandlePacketDropsDoNotAllocate(t *testing.T) {
	r := newPathRig(t, nil)
	other := netip.MustParseAddrPort("10.9.9.9:1")
	short := []byte{0x80, 0, 0}
	rtcp := make([]byte, 32)
	rtcp[0], rtcp[1] = 0x81, 200
	unknownPT := rtpPacket(t, 1, 1, 100, 99, make([]byte, 160))
	a := testing.AllocsPerRun(1000, func() {
		st := r.streams[0]
		st.handlePacket(r.pkts[0], other, r.now)
		st.handlePacket(short, peerA, r.now)
		st.handlePacket(rtcp, peerA, r.now)
		st.handlePacket(unknownPT, peerA, r.now)
	})
	if a != 0 {
		t.Fatalf("%v allocations per dropped packet batch", a)
	}
}
