package relay

import (
	"strings"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
)

// openRequest builds the AudioHook open of a recording: the conversation
// id (the session's conversation key, else a stable id derived from the
// session id), the customer as the participant with ani and dnis from the
// SIPREC participants, and the default offer (stereo PCMU
// ["external","internal"] at 8 kHz, then the mono choices).
func openRequest(applianceID string, meta RecordingMeta) audiohook.OpenRequest {
	return audiohook.OpenRequest{
		ConversationID: ConversationID(applianceID, meta),
		Participant:    participant(applianceID, meta),
		Media:          audiohook.DefaultOffer(),
	}
}

// ConversationID is the conversation id a recording is streamed under:
// the Genesys conversation id the session learned from CTI
// (meta.ConversationID) when known, else its first conversation key
// (x-inin-cnv from the SBC), else a UUID derived from the appliance and
// session ids, stable across reconnects and restarts.
func ConversationID(applianceID string, meta RecordingMeta) string {
	if k, err := callkey.Conversation(meta.ConversationID); err == nil {
		return k.Value
	}
	if ks := meta.Keys.Of(callkey.KindConversation); len(ks) > 0 {
		return ks[0].Value
	}
	return derivedUUID("conversation", applianceID+"\x00"+meta.SessionID)
}

// participant describes the customer (the external channel). On an
// inbound call the customer called the agent: ani is the customer, dnis
// the agent; on an outbound call the other way round. The id is derived
// from the session, as SIPREC has no participant UUID.
func participant(applianceID string, meta RecordingMeta) audiohook.Participant {
	var customer, agent Participant
	for _, p := range meta.Participants {
		switch p.Role {
		case ChannelMap[0]:
			if customer.AOR == "" {
				customer = p
			}
		case ChannelMap[1]:
			if agent.AOR == "" {
				agent = p
			}
		}
	}
	caller, callee := customer, agent
	if meta.Direction == "outbound" {
		caller, callee = agent, customer
	}
	return audiohook.Participant{
		ID:      derivedUUID("participant", applianceID+"\x00"+meta.SessionID),
		ANI:     addressUser(caller.AOR),
		ANIName: caller.Name,
		DNIS:    addressUser(callee.AOR),
	}
}

// addressUser returns the user part of a SIP or tel address, as AudioHook
// expects ani and dnis ("sip:+15551234567@sbc;user=phone" is
// "+15551234567"); an address with no user part is returned as is.
func addressUser(aor string) string {
	s := strings.TrimSpace(aor)
	s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
	for _, scheme := range []string{"sips:", "sip:", "tel:"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if user, _, ok := strings.Cut(s, "@"); ok {
		s = user
	}
	if user, _, ok := strings.Cut(s, ";"); ok {
		s = user
	}
	return s
}
