package siprec

import (
	"bytes"
	"html"
	"regexp"
	"strings"
)

// Patterns for salvage. They are compiled once and only read afterwards
// (regexp.Regexp is safe for concurrent use), so they are not mutable
// package state. RE2 runs in linear time, so hostile text cannot make them
// slow; input is already bounded by MaxMetadataSize.
var (
	// pfx matches an optional namespace prefix.
	reOpen = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?(participantstreamassoc|participantsessionassoc|participant|stream)\b([^<>]*)>`)
	reID   = regexp.MustCompile(`(?i)(?:^|\s)(?:participant_id|stream_id|id)\s*=\s*["']([^"']*)["']`)
	reSess = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?session\s[^<>]*?\b(?:session_id|id)\s*=\s*["']([^"']*)["']`)
	reMode = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?datamode\s*>\s*([a-z]+)\s*<`)
	reUCID = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?ucid\s*>\s*([^<\s]+)\s*<`)
	reHdr  = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?header\s+label\s*=\s*["']([^"']{1,64})["']\s*>\s*(?:<(?:[\w.-]+:)?value\s*>)?\s*([^<]*?)\s*<`)
	reCD   = regexp.MustCompile(`(?is)<(?:[\w.-]+:)?callData\b.*?<(?:[\w.-]+:)?callid\s*>\s*([^<\s]+)\s*<`)
	reAOR  = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?nameID\s[^<>]*?\baor\s*=\s*["']([^"']*)["']`)
	reSend = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?send\s*>\s*(?:<(?:[\w.-]+:)?id\s*>)?\s*([^<\s]+)\s*<`)
	reRecv = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?recv\s*>\s*(?:<(?:[\w.-]+:)?id\s*>)?\s*([^<\s]+)\s*<`)
	reCP   = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?callingParty\s*>\s*(true|false)\s*<`)
	reDis  = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?disassociate-time\s*>\s*([^<\s]+)\s*<`)
	reLbl  = regexp.MustCompile(`(?i)<(?:[\w.-]+:)?label\s*>\s*([^<]*?)\s*<`)
)

// salvage extracts what it can from metadata that is not well-formed XML:
// every key (apkt:ucid, apkt:header values, callData callid), the session id,
// and participants and streams as far as their start tags are intact. Each
// participant or stream is read from its start tag up to the next one.
func salvage(b []byte) *Metadata {
	m := &Metadata{}
	if x := reMode.FindSubmatch(b); x != nil {
		m.DataMode = DataMode(strings.ToLower(string(x[1])))
	}
	if x := reSess.FindSubmatch(b); x != nil {
		m.SessionID = text(x[1])
		harvestSessionID(m, m.SessionID)
	}
	for _, x := range reUCID.FindAllSubmatch(b, maxKeyValues) {
		m.UCIDs = addValue(m.UCIDs, text(x[1]))
	}
	for _, x := range reHdr.FindAllSubmatch(b, maxElements) {
		harvestHeader(m, text(x[1]), text(x[2]))
	}
	if x := reCD.FindSubmatch(b); x != nil {
		m.CallIDs = addValue(m.CallIDs, text(x[1]))
	}
	tags := reOpen.FindAllSubmatchIndex(b, maxElements)
	for n, t := range tags {
		end := len(b)
		if n+1 < len(tags) {
			end = tags[n+1][0]
		}
		kind := strings.ToLower(string(b[t[2]:t[3]]))
		id := reID.FindSubmatch(b[t[4]:t[5]])
		if id == nil || len(id[1]) == 0 {
			continue
		}
		salvageElement(m, kind, text(id[1]), b[t[1]:end])
	}
	m.linkSenders()
	return m
}

// salvageElement reads one participant, association or stream chunk.
func salvageElement(m *Metadata, kind, id string, chunk []byte) {
	if kind == "stream" {
		i := m.stream(id)
		if i < 0 {
			if len(m.Streams) == maxStreams {
				return
			}
			m.Streams = append(m.Streams, Stream{ID: id})
			i = len(m.Streams) - 1
		}
		if x := reLbl.FindSubmatch(chunk); x != nil && m.Streams[i].Label == "" {
			m.Streams[i].Label = text(x[1])
		}
		return
	}
	i := m.participant(id)
	if i < 0 {
		if len(m.Participants) == maxParticipants {
			return
		}
		m.Participants = append(m.Participants, Participant{ID: id})
		i = len(m.Participants) - 1
	}
	pp := &m.Participants[i]
	if x := reAOR.FindSubmatch(chunk); x != nil && pp.AOR == "" {
		pp.AOR = text(x[1])
	}
	for _, x := range reSend.FindAllSubmatch(chunk, maxStreams) {
		pp.Send = addUnique(pp.Send, text(x[1]))
	}
	for _, x := range reRecv.FindAllSubmatch(chunk, maxStreams) {
		pp.Recv = addUnique(pp.Recv, text(x[1]))
	}
	if x := reCP.FindSubmatch(chunk); x != nil {
		setParticipantExt(pp, elCallingParty, string(x[1]))
	}
	if x := reDis.FindSubmatch(chunk); x != nil && kind != "participantstreamassoc" {
		pp.DisassociateTime = text(x[1])
	}
	for _, x := range reHdr.FindAllSubmatch(chunk, maxElements) {
		if v := text(x[2]); v != "" {
			pp.Headers = append(pp.Headers, ExtHeader{Label: text(x[1]), Value: v})
		}
	}
}

// text turns matched bytes into a trimmed string, decoding XML entities.
func text(b []byte) string {
	b = bytes.TrimSpace(b)
	if bytes.IndexByte(b, '&') < 0 {
		return string(b)
	}
	return html.UnescapeString(string(b))
}
