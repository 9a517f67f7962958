package media

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/srtp/v3"
)

// sessHarness drives a session by hand: the engine is not started, time is
// a field, packets go straight to handlePacket and frames come from tick.
type sessHarness struct {
	t    *testing.T
	eng  *Engine
	s    *Session
	sink *recordSink
	now  time.Time
}

func newSessHarness(t *testing.T) *sessHarness {
	t.Helper()
	checkNoLeaks(t)
	e, err := NewEngine(EngineConfig{Address: loopback, Ports: testPortRange(8)}, nil, NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	h := &sessHarness{t: t, eng: e, sink: newRecordSink(), now: time.Now()}
	e.now = func() time.Time { return h.now }
	h.s = e.NewSession("test", h.sink)
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

var (
	peerA = netip.MustParseAddrPort("10.0.0.1:4000")
	peerB = netip.MustParseAddrPort("10.0.0.2:4000")
)

func (h *sessHarness) stream(p StreamParams) *Stream {
	h.t.Helper()
	if p.Payloads == nil {
		p.Payloads = pcmu()
	}
	if !p.Peer.IsValid() {
		p.Peer = peerA
	}
	st, err := h.s.AddStream(p)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *sessHarness) advance(d time.Duration) { h.now = h.now.Add(d) }

func (h *sessHarness) activate() {
	h.t.Helper()
	if err := h.s.Activate(); err != nil {
		h.t.Fatal(err)
	}
}

// src sends numbered PCMU packets of a constant sample value.
type src struct {
	ssrc uint32
	seq  uint16
	ts   uint32
	from netip.AddrPort
}

func (s *src) next(t testing.TB, value byte) []byte {
	payload := make([]byte, 160)
	for i := range payload {
		payload[i] = value
	}
	b := rtpPacket(t, s.seq, s.ts, s.ssrc, 0, payload)
	s.seq++
	s.ts += 160
	return b
}

func TestStreamAcceptanceRules(t *testing.T) {
	valid := func(t *testing.T) []byte { return rtpPacket(t, 1, 160, 42, 0, make([]byte, 160)) }
	tests := map[string]struct {
		peer   netip.AddrPort
		from   netip.AddrPort
		pkt    func(t *testing.T) []byte
		reason string // "" = accepted
	}{
		"valid":             {peerA, peerA, valid, ""},
		"other IP":          {peerA, peerB, valid, "wrong_source"},
		"other port first":  {peerA, netip.MustParseAddrPort("10.0.0.1:5000"), valid, ""},
		"IPv4-mapped":       {peerA, netip.MustParseAddrPort("[::ffff:10.0.0.1]:4000"), valid, ""},
		"any peer":          {netip.MustParseAddrPort("0.0.0.0:4000"), peerB, valid, ""},
		"unknown payload":   {peerA, peerA, func(t *testing.T) []byte { return rtpPacket(t, 1, 1, 42, 96, make([]byte, 160)) }, "unknown_payload"},
		"short":             {peerA, peerA, func(*testing.T) []byte { return []byte{0x80, 0, 0, 1} }, "bad_rtp"},
		"version 1":         {peerA, peerA, func(t *testing.T) []byte { b := valid(t); b[0] = 0x40; return b }, "bad_rtp"},
		"CSRCs beyond end":  {peerA, peerA, func(*testing.T) []byte { b := make([]byte, 20); b[0] = 0x8f; return b }, "bad_rtp"},
		"extension too big": {peerA, peerA, func(*testing.T) []byte { b := make([]byte, 20); b[0] = 0x90; b[15] = 9; return b }, "bad_rtp"},
		"RTCP receiver report": {peerA, peerA, func(*testing.T) []byte {
			b := make([]byte, 32)
			b[0], b[1] = 0x81, 201
			return b
		}, "rtcp"},
		"oversized payload": {peerA, peerA, func(t *testing.T) []byte { return rtpPacket(t, 1, 1, 42, 0, make([]byte, 1100)) }, "bad_rtp"},
		"bad padding": {peerA, peerA, func(t *testing.T) []byte {
			b := valid(t)
			b[0] |= 0x20
			b[len(b)-1] = 200 // more padding than payload
			return b
		}, "bad_rtp"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newSessHarness(t)
			st := h.stream(StreamParams{Peer: tc.peer})
			h.activate()
			st.handlePacket(tc.pkt(t), tc.from, h.now)
			s := st.Stats()
			if tc.reason == "" {
				if s.Packets != 1 || len(s.Dropped) != 0 {
					t.Fatalf("not accepted: %+v", s)
				}
				if want := netip.AddrPortFrom(tc.from.Addr().Unmap(), tc.from.Port()); s.Source != want {
					t.Fatalf("latched %v, want %v", s.Source, want)
				}
				return
			}
			if s.Packets != 0 || s.Dropped[tc.reason] != 1 {
				t.Fatalf("want one %s drop: %+v", tc.reason, s)
			}
		})
	}
}

func TestStreamDropsWhileInactive(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	a := &src{ssrc: 1, from: peerA}
	st.handlePacket(a.next(t, 0xff), peerA, h.now) // pending: inactive
	h.activate()
	st.handlePacket(a.next(t, 0xff), peerA, h.now)
	if err := h.s.Deactivate(); err != nil {
		t.Fatal(err)
	}
	st.handlePacket(a.next(t, 0xff), peerA, h.now)
	s := st.Stats()
	if s.Dropped["inactive"] != 2 || s.Packets != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestStreamOneSourceAtATime(t *testing.T) {
	otherPort := netip.MustParseAddrPort("10.0.0.1:4002")
	tests := map[string]struct {
		second     netip.AddrPort
		ssrc       uint32
		wait       time.Duration
		update     bool
		reason     string // drop reason of the second source, "" taken over
		ssrcChange uint64
	}{
		"second SSRC while first sends":  {peerA, 2, 20 * time.Millisecond, false, "ssrc_conflict", 0},
		"second SSRC after silence":      {peerA, 2, sourceTakeover, false, "", 1},
		"second SSRC after renegotiated": {peerA, 2, time.Millisecond, true, "", 1},
		"other port while first sends":   {otherPort, 1, 20 * time.Millisecond, false, "wrong_source", 0},
		"other port after silence":       {otherPort, 1, sourceTakeover, false, "", 0},
		"other port after renegotiated":  {otherPort, 1, time.Millisecond, true, "", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := newSessHarness(t)
			st := h.stream(StreamParams{})
			h.activate()
			a := &src{ssrc: 1}
			for range 3 {
				st.handlePacket(a.next(t, 0xff), peerA, h.now)
				h.advance(20 * time.Millisecond)
			}
			if tc.update {
				if err := st.Update(StreamParams{Peer: peerA, Payloads: pcmu()}); err != nil {
					t.Fatal(err)
				}
			}
			h.advance(tc.wait - 20*time.Millisecond)
			b := &src{ssrc: tc.ssrc, seq: 5000, ts: 999999}
			if tc.ssrc == 1 {
				b = a // same SSRC, new port
			}
			st.handlePacket(b.next(t, 0xff), tc.second, h.now)
			s := st.Stats()
			if tc.reason != "" {
				if s.Dropped[tc.reason] != 1 || s.SSRC != 1 || s.Source != peerA {
					t.Fatalf("want a %s drop and the first source kept: %+v", tc.reason, s)
				}
				return
			}
			if len(s.Dropped) != 0 || s.SSRC != tc.ssrc || s.Source != tc.second || s.SSRCChanges != tc.ssrcChange {
				t.Fatalf("second source did not take over: %+v", s)
			}
			// The first source is now the intruder.
			h.advance(20 * time.Millisecond)
			st.handlePacket(a.next(t, 0xff), peerA, h.now)
			if st.Stats().Packets != 4 {
				t.Fatalf("first source accepted again while the second sends: %+v", st.Stats())
			}
		})
	}
}

// TestSSRCChangeReanchors checks that a new source plays at its own arrival
// time, not at a position derived from the old source's timestamps.
func TestSSRCChangeReanchors(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	a := &src{ssrc: 1, ts: 1000}
	for range 5 {
		st.handlePacket(a.next(t, 0x80), peerA, h.now) // 0x80: +32124
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	h.advance(300 * time.Millisecond)
	h.s.tick(h.now)
	b := &src{ssrc: 2, ts: 3_000_000_000} // unrelated timestamp base
	for range 5 {
		st.handlePacket(b.next(t, 0x00), peerA, h.now) // 0x00: -32124
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	h.advance(200 * time.Millisecond)
	h.s.tick(h.now)
	frames := h.sink.snapshot()
	pcm, _ := channelOf(frames, 0)
	var pos, neg int
	for _, v := range pcm {
		switch {
		case v > 30000:
			pos++
		case v < -30000:
			neg++
		}
	}
	if pos != 800 || neg != 800 {
		t.Fatalf("played %d samples of source 1 and %d of source 2, want 800 each", pos, neg)
	}
	s := st.Stats()
	if s.SSRCChanges != 1 || s.SSRC != 2 || s.Expected != 10 || s.Lost != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestStreamTelephoneEventsCountedNotMixed(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	// One digit: start, update, three end packets, same timestamp.
	for i := range 5 {
		ev := []byte{5, 0x0a, 0, byte(160 * i)}
		if i >= 2 {
			ev[1] |= 0x80 // end bit
		}
		st.handlePacket(rtpPacket(t, uint16(i), 8000, 7, 101, ev), peerA, h.now)
		h.advance(20 * time.Millisecond)
	}
	h.advance(200 * time.Millisecond)
	h.s.tick(h.now)
	s := st.Stats()
	if s.Events != 1 || s.EventPackets != 5 || s.Packets != 5 {
		t.Fatalf("stats %+v", s)
	}
	for _, f := range h.sink.snapshot() {
		if f.Missing[0] != 160 {
			t.Fatalf("DTMF reached the audio: %+v", f.Missing)
		}
	}
}

func TestStreamPaddingStripped(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	payload := make([]byte, 164)
	for i := range 160 {
		payload[i] = 0x80
	}
	payload[163] = 4
	b := rtpPacket(t, 1, 1, 9, 0, payload)
	b[0] |= 0x20
	st.handlePacket(b, peerA, h.now)
	h.advance(200 * time.Millisecond)
	h.s.tick(h.now)
	pcm, _ := channelOf(h.sink.snapshot(), 0)
	n := 0
	for _, v := range pcm {
		if v != 0 {
			n++
		}
	}
	if n != 160 {
		t.Fatalf("%d samples played, want 160 (padding stripped)", n)
	}
}

func TestStreamUpdate(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	tests := map[string]struct {
		p    StreamParams
		want error
	}{
		"new peer":          {StreamParams{Peer: peerB, Payloads: pcmu()}, nil},
		"same port":         {StreamParams{Port: st.Port(), Payloads: pcmu()}, nil},
		"port change":       {StreamParams{Port: st.Port() + 2, Payloads: pcmu()}, ErrParams},
		"no audio codec":    {StreamParams{Payloads: map[uint8]Codec{101: CodecTelephoneEvent}}, ErrParams},
		"bad channel":       {StreamParams{Payloads: pcmu(), Channel: 5}, ErrParams},
		"short SRTP key":    {StreamParams{Payloads: pcmu(), SRTP: &SRTPParams{Profile: srtp.ProtectionProfileAes128CmHmacSha1_80, Key: make([]byte, 5), Salt: make([]byte, 14)}}, ErrParams},
		"unsupported suite": {StreamParams{Payloads: pcmu(), SRTP: &SRTPParams{Profile: srtp.ProtectionProfileAes256CmHmacSha1_80, Key: make([]byte, 32), Salt: make([]byte, 14)}}, ErrParams},
		"add SRTP":          {StreamParams{Payloads: pcmu(), SRTP: testKey(t, srtp.ProtectionProfileAeadAes128Gcm, 1)}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := st.Update(tc.p); !errors.Is(err, tc.want) {
				t.Fatalf("Update: %v, want %v", err, tc.want)
			}
		})
	}
	if err := st.SetChannel(ChannelInternal); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChannel(7); !errors.Is(err, ErrParams) {
		t.Fatalf("SetChannel(7): %v", err)
	}
}

func TestStreamHeldCountsButDropsAudio(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	a := &src{ssrc: 3}
	for range 5 {
		st.handlePacket(a.next(t, 0x80), peerA, h.now)
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	h.advance(100 * time.Millisecond)
	h.s.tick(h.now)
	before := len(h.sink.snapshot())
	if err := h.s.Pause(); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		st.handlePacket(a.next(t, 0x80), peerA, h.now)
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	if got := len(h.sink.snapshot()); got != before {
		t.Fatalf("%d frames while held", got-before)
	}
	s := st.Stats()
	if s.Packets != 55 || s.Lost != 0 {
		t.Fatalf("packets during hold not counted: %+v", s)
	}
	if err := h.s.Resume(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		st.handlePacket(a.next(t, 0x80), peerA, h.now)
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	frames := h.sink.snapshot()
	last, prev := frames[before], frames[before-1]
	if last.Seq != prev.Seq+1 {
		t.Fatalf("Seq not contiguous over the hold: %d then %d", prev.Seq, last.Seq)
	}
	if jump := last.Start - prev.Start; jump < time.Second {
		t.Fatalf("Start jumped %v over a 1 s hold", jump)
	}
	if held := h.s.Stats().Held; held < time.Second || held > 1100*time.Millisecond {
		t.Fatalf("Held = %v, want about 1 s", held)
	}
	// Audio resumes after the playout delay.
	pcm, _ := channelOf(frames[before:], 0)
	n := 0
	for _, v := range pcm {
		if v > 30000 {
			n++
		}
	}
	if n < 1000 {
		t.Fatalf("only %d samples after resume", n)
	}
}

func TestCheckRTPExtension(t *testing.T) {
	// A valid one-byte-header extension passes the pre-check and pion.
	b := rtpPacket(t, 1, 1, 1, 0, make([]byte, 160))
	ext := make([]byte, 0, len(b)+8)
	ext = append(ext, b[:12]...)
	ext[0] |= 0x10
	ext = binary.BigEndian.AppendUint16(ext, 0xBEDE)
	ext = binary.BigEndian.AppendUint16(ext, 1)
	ext = append(ext, 0x10, 0xAA, 0, 0)
	ext = append(ext, b[12:]...)
	if r := checkRTP(ext); r != dropNone {
		t.Fatalf("checkRTP = %v", r)
	}
	h := newSessHarness(t)
	st := h.stream(StreamParams{})
	h.activate()
	st.handlePacket(ext, peerA, h.now)
	if s := st.Stats(); s.Packets != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestStreamG722(t *testing.T) {
	h := newSessHarness(t)
	st := h.stream(StreamParams{Payloads: map[uint8]Codec{9: CodecG722}})
	h.activate()
	// 1 s of a 1 kHz tone at 16 kHz, 20 ms (160 bytes, 320 samples) per
	// packet; the G.722 RTP clock runs at 8 kHz, 160 per packet.
	_, codes := encodeTone16k(1000, 10000, 8000)
	for k := range 50 {
		st.handlePacket(rtpPacket(t, uint16(k), uint32(160*k), 4, 9, codes[160*k:160*(k+1)]), peerA, h.now)
		h.advance(20 * time.Millisecond)
		h.s.tick(h.now)
	}
	h.advance(200 * time.Millisecond)
	h.s.tick(h.now)
	frames := h.sink.snapshot()
	if got := played(frames, 0); got != 8000 {
		t.Fatalf("played %d samples, want 8000", got)
	}
	pcm, _ := channelOf(frames, 0)
	if on, off := goertzel(pcm, 1000, SampleRate), goertzel(pcm, 2000, SampleRate); on < 1000*off {
		t.Fatalf("1 kHz %.3g vs 2 kHz %.3g", on, off)
	}
	if s := st.Stats(); s.Codec != "G722" || s.Packets != 50 {
		t.Fatalf("stats %+v", s)
	}
}
