package siprec

import "encoding/xml"

// elem is an element the parser acts on, known by its local name only:
// SBCs use every namespace spelling (recording, recording:1, the old siprec
// draft, Oracle's one-slash extension URI) and any prefix, so namespaces
// carry no information worth checking.
type elem uint8

// Elements, grouped as in RFC 7865 and the vendor extensions.
const (
	elOther elem = iota
	elRecording
	elDataMode
	elGroup
	elSession
	elParticipant
	elStream
	elPSessAssoc   // participantsessionassoc
	elPStreamAssoc // participantstreamassoc
	elNameID
	elName
	elSend
	elRecv
	elID // BroadWorks wraps stream ids: <send><id>…</id></send>
	elLabel
	elMode
	elAssociate
	elDisassociate
	elSIPSessionID
	elExtension // extensiondata
	elUCID
	elCallerOrig
	elCallingParty
	elRequestURI
	elRealm
	elHeader
	elValue
	elCallData // Ribbon's <callData xmlns='urn:ietf:params:xml:ns:callData'>
	elCallID
	elGCID
)

// kindOf maps a local name to its elem, ignoring ASCII case (dataMode and
// datamode both occur). It lower-cases into a stack buffer so the hot path
// does not allocate.
func kindOf(local string) elem {
	var buf [24]byte
	if len(local) > len(buf) {
		return elOther
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(local)]) {
	case "recording", "recording_metadata":
		return elRecording
	case "datamode":
		return elDataMode
	case "group":
		return elGroup
	case "session":
		return elSession
	case "participant":
		return elParticipant
	case "stream":
		return elStream
	case "participantsessionassoc":
		return elPSessAssoc
	case "participantstreamassoc":
		return elPStreamAssoc
	case "nameid":
		return elNameID
	case "name":
		return elName
	case "send":
		return elSend
	case "recv":
		return elRecv
	case "id":
		return elID
	case "label":
		return elLabel
	case "mode":
		return elMode
	case "associate-time":
		return elAssociate
	case "disassociate-time":
		return elDisassociate
	case "sipsessionid":
		return elSIPSessionID
	case "extensiondata":
		return elExtension
	case "ucid":
		return elUCID
	case "callerorig":
		return elCallerOrig
	case "callingparty":
		return elCallingParty
	case "request-uri":
		return elRequestURI
	case "realm":
		return elRealm
	case "header":
		return elHeader
	case "value":
		return elValue
	case "calldata":
		return elCallData
	case "callid":
		return elCallID
	case "gcid":
		return elGCID
	}
	return elOther
}

// attr returns the value of the first attribute whose local name matches
// one of the names, ignoring case and prefix. Oracle and the old drafts say
// id/session where RFC 7865 says participant_id/session_id, so callers pass
// both spellings.
func attr(attrs []xml.Attr, name, alt string) string {
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			continue
		}
		if equalFold(a.Name.Local, name) || alt != "" && equalFold(a.Name.Local, alt) {
			return a.Value
		}
	}
	return ""
}

// equalFold is strings.EqualFold for ASCII, inlined by the compiler.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
