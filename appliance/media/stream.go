package media

import (
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// sourceTakeover is how long the current source (SSRC and port) must have
// been silent before a different one may take the stream over. After a
// re-INVITE or a transfer the SBC switches sources; waiting for silence
// keeps two sources from being interleaved when both send for a moment.
// Update lifts the wait for the next packet.
const sourceTakeover = 200 * time.Millisecond

// maxDatagram is the receive buffer per stream. Audio RTP is a few hundred
// bytes; a datagram that fills the buffer is taken as truncated.
const maxDatagram = 2048

// Channel is a side of the stereo recording.
type Channel int

// Channels, in frame order (DESIGN §3: channel 0 external, 1 internal).
const (
	// ChannelExternal is the customer's leg, the left channel.
	ChannelExternal Channel = 0
	// ChannelInternal is the agent's leg, the right channel.
	ChannelInternal Channel = 1
)

// String returns "external" or "internal".
func (c Channel) String() string {
	switch c {
	case ChannelExternal:
		return "external"
	case ChannelInternal:
		return "internal"
	}
	return fmt.Sprintf("channel(%d)", int(c))
}

// MarshalText renders the channel by name in JSON stats.
func (c Channel) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

func (c Channel) valid() bool { return c == ChannelExternal || c == ChannelInternal }

// StreamParams is what the SIP layer negotiated for one m-line.
type StreamParams struct {
	// Label is the SIPREC a=label of the m-line, for stats and logs.
	Label string
	// Port is the RTP port leased from the engine's PortPool; 0 lets
	// AddStream lease one. Update cannot change it.
	Port int
	// Peer is the SBC's address for this stream (c= and m= port). Only the
	// IP is enforced: the source port is latched from the first packet
	// while active, since SBCs do not always send from the port they
	// advertise. An invalid or unspecified IP accepts any source address
	// and latches on it the same way.
	Peer netip.AddrPort
	// Payloads maps the negotiated payload types to codecs; at least one
	// audio codec is required. Other payload types are dropped as
	// unknown_payload.
	Payloads map[uint8]Codec
	// SRTP is the peer's SDES keying; nil means plain RTP.
	SRTP *SRTPParams
	// Channel is the side of the recording the stream is mixed into; two
	// streams on one channel are summed with saturation.
	Channel Channel
}

// streamConfig is validated StreamParams.
type streamConfig struct {
	label    string
	peerIP   netip.Addr // invalid: any
	payloads payloadTable
	srtp     *SRTPParams
	channel  Channel
}

func (p *StreamParams) validate() (streamConfig, error) {
	var c streamConfig
	if p.Port < 0 || p.Port > 65535 {
		return c, fmt.Errorf("%w: port %d", ErrParams, p.Port)
	}
	pt, audio := newPayloadTable(p.Payloads)
	if !audio {
		return c, fmt.Errorf("%w: no audio codec among %d payload types", ErrParams, len(p.Payloads))
	}
	if !p.Channel.valid() {
		return c, fmt.Errorf("%w: %v", ErrParams, p.Channel)
	}
	if p.SRTP != nil {
		if err := p.SRTP.validate(); err != nil {
			return c, err
		}
	}
	c.label, c.payloads, c.srtp, c.channel = p.Label, pt, p.SRTP.clone(), p.Channel
	if ip := p.Peer.Addr().Unmap(); ip.IsValid() && !ip.IsUnspecified() {
		c.peerIP = ip
	}
	return c, nil
}

// streamMode is what a stream does with a packet.
type streamMode uint8

const (
	modeInactive streamMode = iota // drop as inactive (pending, deactivated)
	modeActive                     // accept and play
	modeHeld                       // accept and count, drop the audio (hold)
	modeClosed                     // session closing
)

// Stream receives one m-line: its socket, its receive goroutine, the
// source and SSRC filter, SRTP, the decoder and the jitter buffer.
type Stream struct {
	sess *Session
	port int
	pair *boundPair
	m    *Metrics
	log  *slog.Logger
	rbuf []byte // routineReceive's datagram buffer; only it touches rbuf
	// closing asks routineReceive to read what the socket still holds and
	// return (see Session.close).
	closing atomic.Bool

	// mu guards every field below. routineReceive holds it for one packet,
	// the session clock for one frame read, control calls briefly; none of
	// them blocks while holding it.
	mu        sync.Mutex
	cfg       streamConfig
	mode      streamMode
	srtp      *srtp.Context // nil for plain RTP
	replay    replayWatch   // set by srtp's replay detector during DecryptRTP
	plain     []byte        // SRTP decryption destination
	hdr       rtp.Header    // reused for every packet
	clockZero time.Time     // session clock start, for positions
	jb        jitterBuffer
	g722      g722Decoder
	seq       seqTracker
	arrival   interarrival

	hasSource    bool
	ssrc         uint32
	source       netip.AddrPort // latched source address
	lastAccepted time.Time
	takeover     bool // renegotiated: a new source may take over at once
	ssrcChanges  uint64

	packets, bytes       uint64
	events, eventPackets uint64
	lastEventTS          uint32
	haveEvent            bool
	lastCodec            Codec
	dropped              [numDropReasons]uint64
}

func newStream(s *Session, cfg streamConfig) (*Stream, error) {
	st := &Stream{
		sess: s,
		m:    s.eng.m,
		cfg:  cfg,
		rbuf: make([]byte, maxDatagram),
		jb:   newJitterBuffer(&s.eng.p),
	}
	// Capacity for the largest header pion can parse into, so Unmarshal
	// never grows these slices on the hot path.
	st.hdr.CSRC = make([]uint32, 0, 15)
	st.hdr.Extensions = make([]rtp.Extension, 0, 16)
	st.g722.reset()
	if cfg.srtp != nil {
		ctx, err := newSRTPContext(cfg.srtp, &st.replay)
		if err != nil {
			return nil, err
		}
		st.srtp = ctx
		st.plain = make([]byte, maxDatagram)
	}
	return st, nil
}

// Port returns the stream's local RTP port.
func (st *Stream) Port() int { return st.port }

// Update applies a re-negotiation while the stream runs: new peer, new
// key, new codec map, new label. Port must be 0 or unchanged, and Channel
// is ignored: the channel map is not negotiated in SDP, so only AddStream
// and SetChannel set it. An unchanged key keeps the SRTP context (and its
// rollover counter). After Update the next packet from a new SSRC or
// source port takes over at once instead of after sourceTakeover of
// silence.
func (st *Stream) Update(p StreamParams) error {
	if p.Port != 0 && p.Port != st.port {
		return fmt.Errorf("%w: port %d cannot change to %d; add a stream instead", ErrParams, st.port, p.Port)
	}
	cfg, err := p.validate()
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.mode == modeClosed {
		return ErrSessionClosed
	}
	if !cfg.srtp.equal(st.cfg.srtp) {
		var ctx *srtp.Context
		if cfg.srtp != nil {
			if ctx, err = newSRTPContext(cfg.srtp, &st.replay); err != nil {
				return err
			}
			if st.plain == nil {
				st.plain = make([]byte, maxDatagram)
			}
		}
		st.srtp = ctx
	}
	cfg.channel = st.cfg.channel
	st.cfg = cfg
	st.takeover = true
	return nil
}

// SetChannel moves the stream to a side of the recording, for example after
// a transfer changed who is on this leg. It applies from the next frame.
func (st *Stream) SetChannel(c Channel) error {
	if !c.valid() {
		return fmt.Errorf("%w: %v", ErrParams, c)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.cfg.channel = c
	return nil
}

// setMode switches what the stream does with packets. For modeActive it
// restarts playout at pos of a clock that started at zero.
func (st *Stream) setMode(mode streamMode, zero time.Time, pos int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.mode == modeClosed {
		return
	}
	if mode == modeActive && st.mode != modeActive {
		st.clockZero = zero
		st.jb.seek(pos)
		st.m.streamsActive.Inc()
	}
	if st.mode == modeActive && mode != modeActive {
		st.m.streamsActive.Dec()
	}
	st.mode = mode
}

// readFrame mixes the stream's samples at [pos, pos+frame) into its
// channel's accumulator.
func (st *Stream) readFrame(pos int64, acc *[2][]int32, have *[2][]uint8) {
	st.mu.Lock()
	ch := st.cfg.channel
	st.jb.read(pos, acc[ch], have[ch])
	st.mu.Unlock()
}

// bufferedEnd returns the session position one past the last sample the
// stream holds, for the final flush.
func (st *Stream) bufferedEnd() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.jb.endPos
}

// Stats returns the stream's counters.
func (st *Stream) Stats() StreamStats {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := StreamStats{
		Label:        st.cfg.label,
		Port:         st.port,
		Channel:      st.cfg.channel,
		Source:       st.source,
		SSRC:         st.ssrc,
		SSRCChanges:  st.ssrcChanges,
		Packets:      st.packets,
		Bytes:        st.bytes,
		Expected:     st.seq.expected(),
		Received:     st.seq.totalReceived(),
		Lost:         st.seq.lost(),
		Late:         st.jb.late,
		Duplicates:   st.seq.duplicates,
		Reanchors:    st.jb.reanchors,
		Overruns:     st.jb.overruns,
		Events:       st.events,
		EventPackets: st.eventPackets,
		Jitter:       st.arrival.jitter(),
		SRTP:         st.srtp != nil,
	}
	if st.lastCodec != CodecNone {
		s.Codec = st.lastCodec.String()
	}
	for r, n := range st.dropped {
		if n == 0 {
			continue
		}
		if s.Dropped == nil {
			s.Dropped = make(map[string]uint64)
		}
		s.Dropped[dropReason(r).String()] = n
	}
	return s
}
