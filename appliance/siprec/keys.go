package siprec

import (
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// Keys returns the canonical match keys of every value the metadata has
// carried: UCIDs (apkt:ucid, Cisco-Gucid), UCIDs inside User-to-User values
// (ASAI UUI), conversation ids (x-inin-cnv) and Call-IDs. Values that are not
// valid keys are skipped. After Apply the keys of earlier updates are still
// here, because a CTI event may refer to any of them.
func (m *Metadata) Keys() callkey.Set {
	var s callkey.Set
	if m == nil {
		return s
	}
	for _, v := range m.UCIDs {
		if k, err := callkey.UCID(v); err == nil {
			s.Add(k)
		}
	}
	for _, v := range m.UUIs {
		for _, k := range callkey.FromUUI(v) {
			s.Add(k)
		}
	}
	for _, v := range m.ConversationIDs {
		if k, err := callkey.Conversation(v); err == nil {
			s.Add(k)
		}
	}
	for _, v := range m.CallIDs {
		if k, err := callkey.CallID(v); err == nil {
			s.Add(k)
		}
	}
	return s
}

// HeaderKeys returns the match keys carried by the request's own headers:
// User-to-User (UCID in an ASAI UUI or bare, ";encoding=hex" and other
// parameters ignored; several values may be comma-separated), Cisco-Gucid
// (a UCID when it is in a UCID spelling), X-Inin-Cnv (conversation id),
// Call-ID and X-Acme-Call-ID. Header names compare case-insensitively; invalid
// values are skipped.
func HeaderKeys(req *sip.Request) callkey.Set {
	var s callkey.Set
	if req == nil {
		return s
	}
	for _, h := range req.Headers() {
		if h == nil {
			continue
		}
		name := h.Name()
		switch {
		case equalFold(name, "User-to-User"), equalFold(name, "X-User-to-User"):
			for v := range strings.SplitSeq(h.Value(), ",") {
				for _, k := range callkey.FromUUI(v) {
					s.Add(k)
				}
			}
		case equalFold(name, "Cisco-Gucid"):
			if k, err := callkey.UCID(h.Value()); err == nil {
				s.Add(k)
			}
		case equalFold(name, "X-Inin-Cnv"):
			if k, err := callkey.Conversation(h.Value()); err == nil {
				s.Add(k)
			}
		case equalFold(name, "Call-ID"), equalFold(name, "i"), equalFold(name, "X-Acme-Call-ID"):
			if k, err := callkey.CallID(h.Value()); err == nil {
				s.Add(k)
			}
		}
	}
	return s
}

// harvestHeader files the value of an apkt:header under its key kind.
// Oracle copies the labels as the headers were spelled on the wire, so
// labels compare case-insensitively.
func harvestHeader(m *Metadata, label, value string) {
	label = strings.TrimSpace(label)
	switch {
	case equalFold(label, "x-inin-cnv"):
		m.ConversationIDs = addValue(m.ConversationIDs, value)
	case equalFold(label, "User-to-User"), equalFold(label, "X-User-to-User"):
		m.UUIs = addValue(m.UUIs, value)
	case equalFold(label, "Cisco-Gucid"):
		m.UCIDs = addValue(m.UCIDs, value)
	case equalFold(label, "Call-ID"), equalFold(label, "X-Acme-Call-ID"):
		m.CallIDs = addValue(m.CallIDs, value)
	}
}

// harvestSessionID keeps a session id that is an ASAI UUI or a decimal
// UCID: Avaya SBCE puts the call's UUI there (00FA08…). Base64 ids (every
// other SBC) never qualify, as they are not all hex digits.
func harvestSessionID(m *Metadata, sid string) {
	if len(sid) < 20 || len(sid) > 2*callkey.MaxValueLen {
		return
	}
	for i := 0; i < len(sid); i++ {
		c := sid[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return
		}
	}
	if _, err := callkey.UCID(sid); err == nil {
		m.UUIs = addValue(m.UUIs, sid)
	}
}
