package siprec

// StreamRole says who sends one recorded stream. It is a plain answer from
// the metadata; which party is the customer (channel 0, external) and which
// the agent (channel 1, internal) depends on the call's direction, which the
// CTI event knows and this package does not.
type StreamRole struct {
	// Label is the stream's a=label, to find its m-line.
	Label string
	// StreamID is the metadata stream id.
	StreamID string
	// ParticipantID is the sender's id, empty when the metadata does not
	// name one (OpenSIPS sends no associations) or the sender has left.
	ParticipantID string
	// AOR and Name are the sender's nameID, for logs and the admin API.
	AOR, Name string
	// Party says whether the sender placed the call. Only Oracle says so
	// (apkt:callingParty); PartyUnknown otherwise.
	Party Party
}

// Roles returns one StreamRole per stream, in metadata order.
//
// Party comes from Oracle's apkt:callingParty. When exactly one present
// participant is marked calling and the others say nothing, the others are
// reported as called; nothing else is inferred. In particular Oracle's
// session-level apkt:callerOrig is not used, and neither is participant or
// stream order, because SBCs order them differently.
//
// For an inbound call the calling sender is the customer; for an outbound
// call (the agent dialled) the called one is. With PartyUnknown the caller
// must fall back to other hints (the agent's address in the AOR, the CTI
// event, the label order).
func (m *Metadata) Roles() []StreamRole {
	if m == nil || len(m.Streams) == 0 {
		return nil
	}
	calling, unknown := 0, 0
	for _, p := range m.Participants {
		if p.Left() {
			continue
		}
		switch p.Party {
		case PartyCalling:
			calling++
		case PartyUnknown:
			unknown++
		}
	}
	inferCalled := calling == 1 && unknown > 0
	out := make([]StreamRole, 0, len(m.Streams))
	for _, s := range m.Streams {
		r := StreamRole{Label: s.Label, StreamID: s.ID}
		if i := m.participant(s.Sender); s.Sender != "" && i >= 0 {
			p := &m.Participants[i]
			r.ParticipantID, r.AOR, r.Name, r.Party = p.ID, p.AOR, p.Name, p.Party
			if r.Party == PartyUnknown && inferCalled {
				r.Party = PartyCalled
			}
		}
		out = append(out, r)
	}
	return out
}
