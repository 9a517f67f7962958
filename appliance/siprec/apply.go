package siprec

import "slices"

// Apply folds the metadata of a later re-INVITE or UPDATE into m.
//
//   - complete (or no datamode, RFC 7865's default): u replaces the model.
//   - partial: participants and streams merge by id; new ones are appended
//     in u's order, existing ones take u's non-empty fields (a non-empty
//     Send or Recv list replaces the old one, headers are added).
//
// Either way, participants that have left (a disassociate-time on them or on
// their participantsessionassoc) are then removed, stream senders are
// recomputed, and the keys of m and u are united: a key once seen is never
// lost. This covers Avaya SBCE (a dummy sip:ASBCE@asbce.com participant in
// the INVITE, the real ones in a later UPDATE) and Oracle transfers (the
// same session re-INVITEd with A leaving and C joining). Apply copies what it
// takes from u, so u may be reused; a nil u changes nothing.
func (m *Metadata) Apply(u *Metadata) {
	if u == nil {
		return
	}
	keys := Metadata{UCIDs: m.UCIDs, UUIs: m.UUIs, ConversationIDs: m.ConversationIDs, CallIDs: m.CallIDs}
	if u.DataMode == DataModePartial {
		m.merge(u)
	} else {
		*m = Metadata{
			DataMode:     u.DataMode,
			SessionID:    u.SessionID,
			GroupID:      u.GroupID,
			SIPSessionID: u.SIPSessionID,
			CallerOrig:   u.CallerOrig,
			GCID:         u.GCID,
			Participants: cloneParticipants(u.Participants),
			Streams:      slices.Clone(u.Streams),
		}
	}
	for _, src := range [...]*Metadata{&keys, u} {
		m.UCIDs = addValues(m.UCIDs, src.UCIDs)
		m.UUIs = addValues(m.UUIs, src.UUIs)
		m.ConversationIDs = addValues(m.ConversationIDs, src.ConversationIDs)
		m.CallIDs = addValues(m.CallIDs, src.CallIDs)
	}
	m.Participants = slices.DeleteFunc(m.Participants, func(p Participant) bool { return p.Left() })
	m.linkSenders()
}

// merge applies a partial update.
func (m *Metadata) merge(u *Metadata) {
	m.DataMode = u.DataMode
	setIf(&m.SessionID, u.SessionID)
	setIf(&m.GroupID, u.GroupID)
	setIf(&m.SIPSessionID, u.SIPSessionID)
	setIf(&m.CallerOrig, u.CallerOrig)
	setIf(&m.GCID, u.GCID)
	for _, up := range u.Participants {
		i := m.participant(up.ID)
		if i < 0 {
			if len(m.Participants) < maxParticipants {
				m.Participants = append(m.Participants, cloneParticipant(up))
			}
			continue
		}
		p := &m.Participants[i]
		setIf(&p.SessionID, up.SessionID)
		setIf(&p.AOR, up.AOR)
		setIf(&p.Name, up.Name)
		setIf(&p.AssociateTime, up.AssociateTime)
		setIf(&p.DisassociateTime, up.DisassociateTime)
		setIf(&p.RequestURI, up.RequestURI)
		setIf(&p.Realm, up.Realm)
		if up.Party != PartyUnknown {
			p.Party = up.Party
		}
		if len(up.Send) > 0 {
			p.Send = slices.Clone(up.Send)
		}
		if len(up.Recv) > 0 {
			p.Recv = slices.Clone(up.Recv)
		}
		for _, h := range up.Headers {
			if !slices.Contains(p.Headers, h) && len(p.Headers) < maxElements {
				p.Headers = append(p.Headers, h)
			}
		}
	}
	for _, us := range u.Streams {
		i := m.stream(us.ID)
		if i < 0 {
			if len(m.Streams) < maxStreams {
				m.Streams = append(m.Streams, us)
			}
			continue
		}
		s := &m.Streams[i]
		setIf(&s.SessionID, us.SessionID)
		setIf(&s.Label, us.Label)
		setIf(&s.Mode, us.Mode)
	}
}

// setIf overwrites *dst with v unless v is empty: in a partial update an
// absent field means "unchanged".
func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// addValues adds every value of src to list, within maxKeyValues.
func addValues(list, src []string) []string {
	for _, v := range src {
		list = addValue(list, v)
	}
	return list
}

func cloneParticipants(ps []Participant) []Participant {
	if ps == nil {
		return nil
	}
	out := make([]Participant, len(ps))
	for i, p := range ps {
		out[i] = cloneParticipant(p)
	}
	return out
}

func cloneParticipant(p Participant) Participant {
	p.Send = slices.Clone(p.Send)
	p.Recv = slices.Clone(p.Recv)
	p.Headers = slices.Clone(p.Headers)
	return p
}
