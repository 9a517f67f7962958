package negotiate

import (
	"fmt"
	"slices"
)

// Plan is the decision on an offer from the SBC, before the SIP layer has
// allocated ports: per m-line accept or reject, the codec, and the SBC's
// SRTP key. Streams is indexed like the offer's m-lines.
type Plan struct {
	// Streams has one entry per offered m-line. Accepted streams need a
	// local port (New tells which ones lack one on a re-offer).
	Streams []Stream

	offer     *Offer
	policy    SRTPPolicy
	prev      *Session // nil for the first offer of a dialog
	unchanged bool
}

// NewPlan decides how to answer the first offer of a dialog under policy.
// Rejecting an m-line is not an error: a call whose every stream is
// rejected still gets an answer (with Accepted() == 0 the caller may prefer
// a 488).
func NewPlan(offer *Offer, policy SRTPPolicy) *Plan {
	p := &Plan{offer: offer, policy: policy}
	if offer == nil {
		return p
	}
	p.Streams = make([]Stream, len(offer.Media))
	for i := range offer.Media {
		p.Streams[i] = decide(&offer.Media[i], policy, Format{})
	}
	return p
}

// Plan decides how to answer a new offer from the SBC in an established
// dialog (re-INVITE or UPDATE). Positions are stable: a stream accepted
// before keeps its local port and, while the suite is the same, our SRTP
// key; a stream the re-offer adds or re-enables is marked New; one it
// disables (port 0) is marked Stopped. A re-offer with fewer m-lines than
// the session is refused with ErrMediaRemoved.
//
// A session-timer refresh (RFC 4028) that resends the SBC's last SDP
// unchanged yields a plan whose Unchanged is true; its Answer then returns
// our previous SDP byte for byte, o= version included.
func (s *Session) Plan(offer *Offer) (*Plan, error) {
	if offer == nil {
		return nil, fmt.Errorf("negotiate: plan re-offer: %w", ErrNoMedia)
	}
	if len(offer.Media) < len(s.streams) {
		return nil, fmt.Errorf("negotiate: plan re-offer: %w: %d m-lines, session has %d",
			ErrMediaRemoved, len(offer.Media), len(s.streams))
	}
	p := &Plan{offer: offer, policy: s.policy, prev: s}
	if offer.sum == s.remoteSum && len(offer.Media) == len(s.streams) {
		// Same normalised body, so the same o= version too. An SBC that
		// changes the body without bumping the version is renegotiated
		// rather than ignored, so a new key is never missed.
		p.unchanged = true
		p.Streams = cloneStreams(s.streams)
		return p, nil
	}
	p.Streams = make([]Stream, len(offer.Media))
	for i := range offer.Media {
		var prev *Stream
		if i < len(s.streams) {
			prev = &s.streams[i]
		}
		prefer := Format{}
		if prev != nil && prev.Accepted {
			prefer = prev.Codec
		}
		st := decide(&offer.Media[i], s.policy, prefer)
		switch {
		case prev != nil && prev.Accepted && st.Accepted:
			st.LocalPort = prev.LocalPort
			if prev.LocalKey.Profile == st.RemoteKey.Profile && !prev.LocalKey.IsZero() {
				// RFC 4568 section 7.1.4 lets the answerer keep its key;
				// the tag must follow the line the SBC now offers.
				st.LocalKey = prev.LocalKey
				st.LocalKey.Tag = st.RemoteKey.Tag
			}
			st.Changed = remoteDiffers(&st, prev)
		case prev != nil && prev.Accepted:
			st.Stopped = true
			st.LocalPort = prev.LocalPort
		case st.Accepted:
			st.New = true
		}
		p.Streams[i] = st
	}
	return p, nil
}

// Offer returns the parsed offer the plan was made from.
func (p *Plan) Offer() *Offer { return p.offer }

// Unchanged reports whether the offer repeats the SBC's previous SDP
// exactly (a session refresh), so the answer repeats ours.
func (p *Plan) Unchanged() bool { return p.unchanged }

// Accepted returns the number of accepted streams.
func (p *Plan) Accepted() int {
	n := 0
	for i := range p.Streams {
		if p.Streams[i].Accepted {
			n++
		}
	}
	return n
}

// Answer builds the answer SDP and the session it establishes. local is the
// dialog's origin state. ports[i] is our RTP port for m-line i; an entry may
// be 0 (or missing) for a rejected stream or for one that keeps the port it
// has (Streams[i].LocalPort), and a non-zero entry replaces that port. dir
// is the direction wanted on every accepted m-line (Inactive while pending,
// RecvOnly when active); RFC 3264 narrows it per line to what the offer
// allows, so an inactive offer is answered inactive.
//
// A fresh random SRTP key of the chosen suite is drawn for every RTP/SAVP
// stream that has none. The Plan is not modified; the returned Session
// replaces the caller's previous one once the answer is sent.
func (p *Plan) Answer(local *Local, ports []int, dir Direction) ([]byte, *Session, error) {
	if local == nil {
		return nil, nil, fmt.Errorf("negotiate: answer: %w", ErrNoLocal)
	}
	if p.offer == nil || len(p.Streams) == 0 {
		return nil, nil, fmt.Errorf("negotiate: answer: %w", ErrNoMedia)
	}
	if p.unchanged && p.prev.local == local && p.prev.sameDirections(dir) {
		return p.prev.SDP(), p.prev, nil
	}
	streams := slices.Clone(p.Streams) // keeps New/Stopped/Changed for the caller
	for i := range streams {
		st := &streams[i]
		if !st.Accepted {
			st.Direction = Inactive
			continue
		}
		if i < len(ports) && ports[i] != 0 {
			st.LocalPort = ports[i]
		}
		if st.LocalPort == 0 {
			return nil, nil, fmt.Errorf("negotiate: answer: %w: m-line %d", ErrMissingPort, i)
		}
		if st.LocalPort < 1 || st.LocalPort > 65535 {
			return nil, nil, fmt.Errorf("negotiate: answer: %w: %d for m-line %d", ErrBadLocalPort, st.LocalPort, i)
		}
		st.Direction = answerDirection(st.RemoteDirection, dir)
		if st.SRTP && st.LocalKey.IsZero() {
			k, err := newSRTPKey(st.RemoteKey.Tag, st.RemoteKey.Profile)
			if err != nil {
				return nil, nil, fmt.Errorf("negotiate: answer: %w", err)
			}
			st.LocalKey = k
		}
	}
	version := local.Next()
	b := build(local, version, streams)
	return b, &Session{
		local:     local,
		policy:    p.policy,
		streams:   streams,
		remote:    p.offer.Origin,
		remoteSum: p.offer.sum,
		sdp:       b,
		version:   version,
	}, nil
}

// String summarises the plan without key material.
func (p *Plan) String() string {
	return fmt.Sprintf("plan{%d/%d accepted, unchanged=%v}", p.Accepted(), len(p.Streams), p.unchanged)
}
