package siprec

import "slices"

// DataMode is the metadata's <datamode> (or <dataMode>): whether it replaces
// the model or updates it.
type DataMode string

// Data modes. RFC 7865 makes "complete" the default, so Apply treats an
// empty DataMode as complete.
const (
	DataModeComplete DataMode = "complete"
	DataModePartial  DataMode = "partial"
)

// Party says whether a participant placed the call. Only Oracle says so
// (apkt:callingParty); for every other SBC it stays PartyUnknown.
type Party uint8

// Party values.
const (
	PartyUnknown Party = iota
	PartyCalling       // the participant placed the call (A side)
	PartyCalled        // the participant was called (B side)
)

// String returns "unknown", "calling" or "called".
func (p Party) String() string {
	switch p {
	case PartyCalling:
		return "calling"
	case PartyCalled:
		return "called"
	}
	return "unknown"
}

// Metadata is the plain model of one recording session's metadata, or of
// an update to it. Slices keep document order. The key fields (UCIDs, UUIs,
// ConversationIDs, CallIDs) hold raw values as found anywhere in the document
// (session or participant level); Keys canonicalises them.
type Metadata struct {
	// DataMode is "complete", "partial", or empty when the SBC sent none.
	DataMode DataMode
	// SessionID is the first <session>'s session_id (Oracle: id).
	SessionID string
	// GroupID is the first <group>'s group_id (old drafts: id).
	GroupID string
	// SIPSessionID is the first <sipSessionID> (an RFC 7989 Session-ID, not a Call-ID).
	SIPSessionID string
	// CallerOrig is Oracle's session-level apkt:callerOrig as sent ("true",
	// "false" or empty). Its semantics are undocumented, so Roles does not use it.
	CallerOrig string
	// GCID is Ribbon's callData <gcid>, its global call id (not a key kind).
	GCID string

	// Participants in document order; updates append new ones.
	Participants []Participant
	// Streams in document order; updates append new ones.
	Streams []Stream

	// UCIDs are UCID values: apkt:ucid, apkt:header Cisco-Gucid.
	UCIDs []string
	// UUIs are User-to-User values (usually ASAI hex carrying the UCID),
	// plus Avaya SBCE's ASAI-shaped session_id.
	UUIs []string
	// ConversationIDs are Genesys conversation ids: apkt:header x-inin-cnv.
	ConversationIDs []string
	// CallIDs are SIP Call-IDs: apkt:header Call-ID, callData <callid>.
	CallIDs []string
}

// Participant is one party of the recorded call.
type Participant struct {
	// ID is participant_id (RFC 7865) or id (Oracle, old drafts).
	ID string
	// SessionID is the session the participant belongs to, if stated.
	SessionID string
	// AOR is nameID/@aor as sent (with or without "sip:").
	AOR string
	// Name is nameID/name.
	Name string
	// Send and Recv are stream ids, from <send>/<recv> in the participant
	// (Oracle) or in participantstreamassoc (RFC 7865).
	Send, Recv []string
	// AssociateTime and DisassociateTime are as sent. A DisassociateTime
	// (on the participant or its participantsessionassoc) means it left.
	AssociateTime, DisassociateTime string
	// Party is Oracle's apkt:callingParty.
	Party Party
	// RequestURI and Realm are Oracle's apkt:request-uri and apkt:realm.
	RequestURI, Realm string
	// Headers are Oracle's apkt:header label/value pairs, labels as sent.
	Headers []ExtHeader
}

// Left reports whether the participant has left the session.
func (p *Participant) Left() bool { return p.DisassociateTime != "" }

// ExtHeader is one apkt:header: a SIP header of the participant's call leg
// that the SBC copied into the metadata.
type ExtHeader struct {
	Label string
	Value string
}

// Stream is one recorded media stream; Label ties it to an SDP m-line
// (a=label).
type Stream struct {
	// ID is stream_id (RFC 7865) or id (Oracle, old drafts).
	ID string
	// SessionID is session_id or session.
	SessionID string
	// Label is the a=label of the matching m-line.
	Label string
	// Mode is Oracle's <mode> ("separate", "mixed").
	Mode string
	// Sender is the ID of the participant (present, not left) that sends
	// this stream, or empty when the metadata does not say.
	Sender string
}

// participant returns the index of the participant with id, or -1.
func (m *Metadata) participant(id string) int {
	return slices.IndexFunc(m.Participants, func(p Participant) bool { return p.ID == id })
}

// stream returns the index of the stream with id, or -1.
func (m *Metadata) stream(id string) int {
	return slices.IndexFunc(m.Streams, func(s Stream) bool { return s.ID == id })
}

// linkSenders sets every Stream.Sender from the participants' Send lists.
// Participants that left do not send; the first present sender wins.
func (m *Metadata) linkSenders() {
	for i := range m.Streams {
		m.Streams[i].Sender = ""
	}
	for _, p := range m.Participants {
		if p.Left() {
			continue
		}
		for _, id := range p.Send {
			if i := m.stream(id); i >= 0 && m.Streams[i].Sender == "" {
				m.Streams[i].Sender = p.ID
			}
		}
	}
}

// maxKeyValues bounds each key list, so that endless updates cannot grow a
// session's model; a real call carries one to three values per kind.
const maxKeyValues = 16

// addValue appends v to list unless it is empty, present or the list is full.
func addValue(list []string, v string) []string {
	if v == "" || len(list) >= maxKeyValues || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// addUnique appends v to list unless it is empty or already present.
func addUnique(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
