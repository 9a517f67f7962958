package srs

import (
	"errors"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/siprec"
	"github.com/emiago/sipgo/sip"
)

// failure is a refusal to send instead of a 2xx.
type failure struct {
	code                 int
	reason, outcome, why string
}

// applyRequest folds an SBC re-INVITE or UPDATE into the session: metadata
// first (keys and the channel map), then the SDP offer if any. It returns our
// answer SDP, or nil when the request carried no offer.
func (sess *session) applyRequest(req *sip.Request, invite bool) ([]byte, *failure) {
	s := sess.srv
	var rec *siprec.Recording
	if len(req.Body()) > 0 {
		var err error
		rec, err = siprec.Parse(req)
		if code, reason, outcome, why := classifyParseError(err, false); code != 0 {
			s.m.badInput(outcome)
			return nil, &failure{code, reason, outcome, why}
		}
		if errors.Is(err, siprec.ErrMalformedMetadata) {
			s.m.badInput("malformed_metadata")
			sess.log.Warn("malformed SIPREC metadata in update; keys extracted by pattern", "error", err)
		}
	}

	sess.mu.Lock()
	if sess.ended {
		sess.mu.Unlock()
		return nil, &failure{481, "Call/Transaction Does Not Exist", "no_dialog", "recording dialog has ended"}
	}
	var newKeys callkey.Set
	if rec != nil {
		if rec.Metadata != nil {
			sess.meta.Apply(rec.Metadata)
		}
		if sess.keys.AddAll(rec.Keys) {
			newKeys = sess.keys.Clone()
		}
		sess.applyChannelsLocked()
	}
	var answer []byte
	var fail *failure
	switch {
	case rec != nil && rec.Body != nil && rec.Body.SDP != nil:
		answer, fail = sess.answerLocked(rec.Body.SDP)
	case invite:
		// An offerless re-INVITE: RFC 3261 §14.2 wants an offer in the 2xx
		// and the answer in the ACK; repeating our current SDP is that offer,
		// and a refresh is all SBCs use it for.
		answer = sess.neg.SDP()
	}
	gs := sess.gs
	sess.mu.Unlock()

	if newKeys.Len() > 0 && gs != nil {
		sess.log.Info("recording session learned keys", "keys", newKeys.Keys())
		gs.UpdateKeys(newKeys)
	}
	return answer, fail
}

// answerLocked answers a new SDP offer from the SBC in the established dialog.
func (sess *session) answerLocked(sdp []byte) ([]byte, *failure) {
	s := sess.srv
	offer, err := negotiate.ParseOffer(sdp)
	if err != nil {
		s.m.badInput("sdp")
		return nil, &failure{400, "Bad Request", "bad_sdp", "SDP: " + err.Error()}
	}
	plan, err := sess.neg.Plan(offer)
	if err != nil {
		s.m.badInput("sdp_renegotiation")
		return nil, &failure{488, "Not Acceptable Here", "bad_reoffer", err.Error()}
	}
	if plan.Unchanged() {
		body, _, err := plan.Answer(sess.local, nil, sess.sdpDirectionLocked())
		if err != nil {
			return nil, &failure{500, "Server Internal Error", "internal", err.Error()}
		}
		return body, nil
	}
	need := 0
	for _, st := range plan.Streams {
		if st.Accepted && st.New {
			need++
		} else if !st.Accepted && st.Reason != negotiate.ReasonDisabled {
			s.m.rejectedMedia(st.Reason.String())
		}
	}
	var leased []int
	if need > 0 {
		if leased, err = s.d.Media.Ports().Allocate(need); err != nil {
			return nil, &failure{503, "Service Unavailable", "ports_exhausted", "media port range exhausted"}
		}
	}
	ports := make([]int, len(plan.Streams))
	next := 0
	for i, st := range plan.Streams {
		if st.Accepted && st.New {
			ports[i] = leased[next]
			next++
		}
	}
	body, neg, err := plan.Answer(sess.local, ports, sess.sdpDirectionLocked())
	if err != nil {
		s.d.Media.Ports().Release(leased...)
		return nil, &failure{500, "Server Internal Error", "internal", err.Error()}
	}
	sess.applyStreamsLocked(neg, leased)
	sess.neg = neg
	return body, nil
}

// applyStreamsLocked brings the media streams in line with a new negotiated
// session: new m-lines get a stream, changed ones are updated. Ports in
// leased that found no stream go back to the pool.
func (sess *session) applyStreamsLocked(neg *negotiate.Session, leased []int) {
	roles := channelRoles(sess.meta, sess.direction)
	used := map[int]bool{}
	for i, st := range neg.Streams() {
		ms, ok := sess.streams[i]
		switch {
		case !st.Accepted:
		case !ok:
			p := streamParams(st, roles.channel(i, st.Label))
			nms, err := sess.media.AddStream(p)
			if err != nil {
				sess.log.Warn("adding stream failed", "index", i, "error", err)
				continue
			}
			used[st.LocalPort] = true
			sess.streams[i] = nms
		case st.Changed || st.New:
			p := streamParams(st, roles.channel(i, st.Label))
			p.Port = 0
			if err := ms.Update(p); err != nil {
				sess.log.Warn("updating stream failed", "index", i, "error", err)
			}
		}
	}
	for _, p := range leased {
		if !used[p] {
			sess.srv.d.Media.Ports().Release(p)
		}
	}
}

// applyChannelsLocked re-maps every stream to its channel after the metadata
// or the direction changed (a transfer brings a new participant).
func (sess *session) applyChannelsLocked() {
	if sess.neg == nil {
		return
	}
	roles := channelRoles(sess.meta, sess.direction)
	for i, st := range sess.neg.Streams() {
		if ms, ok := sess.streams[i]; ok {
			if err := ms.SetChannel(roles.channel(i, st.Label)); err != nil {
				sess.log.Warn("setting channel failed", "index", i, "error", err)
			}
		}
	}
}
