package srs

import (
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/siprec"
)

// roles maps streams and participants onto the two recording channels
// (DESIGN §6): external = the customer, internal = the agent.
//
// The calling party's stream is the customer on an inbound call and the agent
// on an outbound one. Who called comes from Oracle's apkt:callingParty; when
// the metadata does not say, the first stream (and first participant) is
// taken as the caller's, which is how every SBC sample we have orders them.
type roles struct {
	byLabel       map[string]media.Channel
	byParticipant map[string]media.Channel
	callerChannel media.Channel
}

func channelRoles(md *siprec.Metadata, dir cti.Direction) roles {
	caller, called := media.ChannelExternal, media.ChannelInternal
	if dir == cti.Outbound {
		caller, called = called, caller
	}
	r := roles{byLabel: map[string]media.Channel{}, byParticipant: map[string]media.Channel{}, callerChannel: caller}
	if md == nil {
		return r
	}
	known := false
	for _, sr := range md.Roles() {
		if sr.Party != siprec.PartyUnknown {
			known = true
			break
		}
	}
	firstSender := ""
	for i, sr := range md.Roles() {
		var ch media.Channel
		switch {
		case known && sr.Party == siprec.PartyCalling:
			ch = caller
		case known:
			ch = called
		case sr.ParticipantID != "" && firstSender == "":
			firstSender = sr.ParticipantID
			ch = caller
		case sr.ParticipantID != "" && sr.ParticipantID == firstSender:
			ch = caller
		case sr.ParticipantID == "" && i == 0:
			ch = caller
		default:
			ch = called
		}
		if sr.Label != "" {
			r.byLabel[sr.Label] = ch
		}
		if sr.ParticipantID != "" {
			r.byParticipant[sr.ParticipantID] = ch
		}
	}
	return r
}

// channel returns the channel for the m-line at index with label.
func (r roles) channel(index int, label string) media.Channel {
	if ch, ok := r.byLabel[label]; ok {
		return ch
	}
	if index == 0 {
		return r.callerChannel
	}
	return 1 - r.callerChannel
}

// participant returns "external", "internal" or "" for a participant id.
func (r roles) participant(id string) string {
	if ch, ok := r.byParticipant[id]; ok {
		return ch.String()
	}
	return ""
}
