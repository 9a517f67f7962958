package srs

import (
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/siprec"
	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// newSession allocates media for the accepted streams, builds the answer
// and registers the dialog.
func (s *Server) newSession(req *sip.Request, rec *siprec.Recording, plan *negotiate.Plan) (*session, []byte, error) {
	id := uuid.NewString()
	local, err := negotiate.NewLocal(s.cfg.MediaAddr)
	if err != nil {
		return nil, nil, err
	}
	ports, err := s.d.Media.Ports().Allocate(plan.Accepted())
	if err != nil {
		return nil, nil, err
	}
	sess := &session{
		id:      id,
		srv:     s,
		local:   local,
		offered: time.Now(),
		meta:    rec.Metadata,
		keys:    rec.Keys.Clone(),
		streams: make(map[int]*media.Stream),
		log:     s.log.With("session", id, "call_id", callIDOf(req)),
	}
	if sess.meta == nil {
		sess.meta = &siprec.Metadata{}
	}
	sess.media = s.d.Media.NewSession(id, &sess.sink)
	byIndex := make([]int, len(plan.Streams))
	next := 0
	for i, st := range plan.Streams {
		if st.Accepted {
			byIndex[i] = ports[next]
			next++
		}
	}
	body, neg, err := plan.Answer(local, byIndex, negotiate.Inactive)
	if err != nil {
		s.d.Media.Ports().Release(ports...)
		_ = sess.media.Close()
		return nil, nil, err
	}
	sess.neg = neg
	roles := channelRoles(sess.meta, "")
	for i, st := range neg.Streams() {
		if !st.Accepted {
			continue
		}
		ms, err := sess.media.AddStream(streamParams(st, roles.channel(i, st.Label)))
		if err != nil {
			// Ports not yet owned by the media session go back by hand.
			for j := i; j < len(byIndex); j++ {
				if byIndex[j] != 0 {
					s.d.Media.Ports().Release(byIndex[j])
				}
			}
			_ = sess.media.Close()
			return nil, nil, fmt.Errorf("srs: stream %d: %w", i, err)
		}
		sess.streams[i] = ms
	}
	dlg, err := newDialog(req, sip.GenerateTagN(16), s.contact(req))
	if err != nil {
		_ = sess.media.Close()
		return nil, nil, err
	}
	if network := sip.NetworkToLower(req.Transport()); network == "udp" {
		if ap, ok := s.Addr(network); ok {
			dlg.udpListener = sip.Addr{IP: ap.Addr().AsSlice(), Port: int(ap.Port())}
		}
	}
	sess.dlg = dlg
	if err := s.add(sess); err != nil {
		_ = sess.media.Close()
		return nil, nil, err
	}
	return sess, body, nil
}

// streamParams turns a negotiated stream into media parameters.
func streamParams(st negotiate.Stream, ch media.Channel) media.StreamParams {
	p := media.StreamParams{
		Label:    st.Label,
		Port:     st.LocalPort,
		Payloads: map[uint8]media.Codec{},
		Channel:  ch,
	}
	if st.RemoteAddr.IsValid() {
		p.Peer = netipAddrPort(st.RemoteAddr, st.RemotePort)
	}
	if c := media.CodecByName(st.Codec.Name, st.Codec.ClockRate); c != media.CodecNone {
		p.Payloads[st.Codec.PT] = c
	}
	if st.DTMF.Name != "" {
		p.Payloads[st.DTMF.PT] = media.CodecTelephoneEvent
	}
	if st.SRTP && !st.RemoteKey.IsZero() {
		p.SRTP = &media.SRTPParams{Profile: st.RemoteKey.Profile, Key: st.RemoteKey.Key, Salt: st.RemoteKey.Salt}
	}
	return p
}

// info summarises the session for the gate's admin view.
func (sess *session) info() gate.SessionInfo {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	var parts []string
	for _, p := range sess.participantsLocked() {
		label := p.AOR
		if p.Role != "" {
			label += " (" + p.Role + ")"
		}
		parts = append(parts, label)
	}
	return gate.SessionInfo{Source: sess.dlg.source, CallID: string(sess.dlg.callID), Participants: parts, StartedAt: sess.offered}
}
