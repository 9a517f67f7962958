package negotiate

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Session is the negotiated state of a recording dialog after an
// offer/answer exchange: the streams, the SDP we last sent and the SBC's
// last SDP. It is immutable: every exchange returns a new Session, which
// the caller swaps in once the exchange completes, so a failed or glared
// re-INVITE leaves the current one untouched.
type Session struct {
	local     *Local
	policy    SRTPPolicy
	streams   []Stream
	remote    Origin // o= of the SBC's last SDP
	remoteSum uint64 // fingerprint of the SBC's last SDP
	sdp       []byte // the SDP we last sent
	version   uint64 // its o= version
}

// Streams returns a copy of the negotiated streams, indexed by m-line. New,
// Stopped and Changed describe the exchange that produced this Session.
func (s *Session) Streams() []Stream { return slices.Clone(s.streams) }

// SDP returns a copy of the SDP we last sent in this dialog.
func (s *Session) SDP() []byte { return slices.Clone(s.sdp) }

// Version returns the o= version of the SDP we last sent.
func (s *Session) Version() uint64 { return s.version }

// Remote returns the o= line of the SBC's last SDP.
func (s *Session) Remote() Origin { return s.remote }

// Format implements fmt.Formatter so that every verb prints String: fmt
// would otherwise print the keys held in unexported fields (%d, %x, %#v).
func (s Session) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// String summarises the session without key material.
func (s Session) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "session{v=%d", s.version)
	for i := range s.streams {
		st := &s.streams[i]
		if st.Accepted {
			fmt.Fprintf(&b, " %d:%s:%d:%s:%s", i, st.Label, st.LocalPort, st.Codec.Name, st.Direction)
		} else {
			fmt.Fprintf(&b, " %d:%s:rejected(%s)", i, st.Label, st.Reason)
		}
	}
	b.WriteString("}")
	return b.String()
}

// sameDirections reports whether answering with dir would repeat the
// directions of the SDP we last sent.
func (s *Session) sameDirections(dir Direction) bool {
	for i := range s.streams {
		st := &s.streams[i]
		if st.Accepted && st.Direction != answerDirection(st.RemoteDirection, dir) {
			return false
		}
	}
	return true
}

// Pending is our re-INVITE offer, waiting for the SBC's answer.
type Pending struct {
	base    *Session
	streams []Stream
	sdp     []byte
	version uint64
}

// Offer builds the SDP for our own re-INVITE: the session's m-lines in the
// same order with the same labels, ports and codecs, every accepted line
// with direction dir (RecvOnly activates media, Inactive holds it) and
// rejected lines kept at port 0. Our SRTP keys are reused unless rekey is
// true, in which case fresh ones of the same suites are drawn. On 491 the
// caller may simply call Offer again after its back-off; every call
// advances the o= version.
func (s *Session) Offer(dir Direction, rekey bool) (*Pending, error) {
	streams := cloneStreams(s.streams)
	for i := range streams {
		st := &streams[i]
		if !st.Accepted {
			st.Direction = Inactive
			continue
		}
		st.Direction = dir
		if st.SRTP && (rekey || st.LocalKey.IsZero()) {
			k, err := newSRTPKey(st.RemoteKey.Tag, st.RemoteKey.Profile)
			if err != nil {
				return nil, fmt.Errorf("negotiate: offer: %w", err)
			}
			st.LocalKey = k
		}
	}
	version := s.local.Next()
	return &Pending{base: s, streams: streams, sdp: build(s.local, version, streams), version: version}, nil
}

// SDP returns a copy of the offer to send.
func (p *Pending) SDP() []byte { return slices.Clone(p.sdp) }

// Format implements fmt.Formatter so that no verb prints our new keys.
func (p Pending) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// String summarises the pending offer without key material.
func (p Pending) String() string { return fmt.Sprintf("pending{v=%d}", p.version) }

// Apply takes the SBC's answer to our offer and returns the resulting
// Session. The SBC may move its media (address, port), send with a new
// key or stop a stream (port 0): such streams come back Changed or
// Stopped. An answer whose m-lines do not match ours in number, or in media
// type on a live stream, fails with ErrAnswerMismatch and the caller keeps
// the previous Session.
func (p *Pending) Apply(answer []byte) (*Session, error) {
	a, err := parse(answer)
	if err != nil {
		return nil, fmt.Errorf("negotiate: apply answer: %w", err)
	}
	if len(a.Media) != len(p.streams) {
		return nil, fmt.Errorf("negotiate: apply answer: %w: %d m-lines, offered %d",
			ErrAnswerMismatch, len(a.Media), len(p.streams))
	}
	streams := slices.Clone(p.streams)
	for i := range streams {
		st, m, prev := &streams[i], &a.Media[i], &p.base.streams[i]
		if !st.Accepted {
			continue
		}
		if m.Type != st.Media {
			return nil, fmt.Errorf("negotiate: apply answer: %w: m-line %d is %s, offered %s",
				ErrAnswerMismatch, i, m.Type, st.Media)
		}
		if r := applyAnswered(st, m); r != ReasonNone {
			st.Accepted, st.Reason, st.Stopped = false, r, true
			continue
		}
		st.Changed = remoteDiffers(st, prev)
	}
	return &Session{
		local:     p.base.local,
		policy:    p.base.policy,
		streams:   streams,
		remote:    a.Origin,
		remoteSum: a.sum,
		sdp:       p.sdp,
		version:   p.version,
	}, nil
}

// applyAnswered updates an accepted stream from its m-line in the SBC's
// answer, or says why the stream can no longer be used. It is lenient
// where the SBC errs harmlessly: a decodable codec we did not offer, or a
// key under another tag, is still used rather than losing the recording.
func applyAnswered(st *Stream, m *Media) Reason {
	if m.Port == 0 {
		return ReasonDisabled
	}
	// A payload type the answer lists without a=rtpmap refers to our
	// offer's mapping (RFC 3264 section 6.1 has the answer reuse it).
	for i := range m.Formats {
		f := &m.Formats[i]
		for _, ours := range [2]Format{st.Codec, st.DTMF} {
			if f.Name == "" && ours.Name != "" && f.PT == ours.PT {
				fmtp := f.Fmtp
				*f = ours
				f.Fmtp = fmtp
			}
		}
	}
	codec, dtmf, ok := chooseCodec(m.Formats, st.Codec)
	if !ok {
		return ReasonNoCodec
	}
	if st.SRTP {
		k, ok := pickAnswerKey(m.Crypto, st.LocalKey.Tag)
		if !ok {
			return ReasonNoCrypto
		}
		st.RemoteKey = k
	}
	st.Codec, st.DTMF = codec, dtmf
	st.RemoteAddr, st.RemotePort, st.RemoteDirection = m.Addr, m.Port, m.Direction
	if m.Ptime > 0 {
		st.Ptime = m.Ptime
	}
	return ReasonNone
}

// pickAnswerKey prefers the crypto line answering our tag (RFC 4568
// section 5.1.2), else the first usable one.
func pickAnswerKey(keys []SRTPKey, tag int) (SRTPKey, bool) {
	for _, k := range keys {
		if k.Tag == tag {
			return k, true
		}
	}
	if len(keys) > 0 {
		return keys[0], true
	}
	return SRTPKey{}, false
}
