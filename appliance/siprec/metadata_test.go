package siprec

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// metadataOf returns the metadata part of a fixture, body-only or full request.
func metadataOf(t *testing.T, name string) []byte {
	t.Helper()
	var (
		b   *Body
		err error
	)
	if ct, ok := bodyFixtures[name]; ok {
		b, err = SplitBody(ct, fixture(t, name))
	} else {
		req := parseSIP(t, fixture(t, name))
		b, err = SplitBody(contentType(req), req.Body())
	}
	if b == nil || b.Metadata == nil {
		t.Fatalf("no metadata in %s: %v", name, err)
	}
	return b.Metadata
}

// keyStrings renders a metadata's keys for comparison.
func keyStrings(m *Metadata) []string {
	var out []string
	for _, k := range m.Keys().Keys() {
		out = append(out, k.String())
	}
	return out
}

func TestParseMetadataVendors(t *testing.T) {
	type want struct {
		mode    DataMode
		session string
		aors    []string // participants, in order
		labels  []string // streams, in order
		senders []string // AOR of each stream's sender, "" when unknown
		keys    []string
	}
	tests := map[string]want{
		// Oracle: <participant id= session=> with <send>, session-level
		// extensiondata in the one-slash namespace, apkt:header Call-ID.
		"oracle-3.sip": {
			mode: DataModeComplete, session: "tgfh2ko3QLdt5TI44tJGIg==",
			aors:    []string{"sip:+19195184357@vzb.int", "sip:+18442820485@uhc.com"},
			labels:  []string{"739440565", "739440566"},
			senders: []string{"sip:+19195184357@vzb.int", "sip:+18442820485@uhc.com"},
			keys:    []string{"ucid:004762BD69FA4805", "call-id:wlss-64071c05-73fde93a6638f450@152.190.6.22"},
		},
		// Oracle without session extensiondata: no keys, callingParty only.
		"oracle-4-body.sip": {
			mode: DataModeComplete, session: "AavRXwIIQj1Q39eJulTipQ==",
			aors:    []string{"sip:9000@192.168.50.102", "sip:1002@192.168.50.10"},
			labels:  []string{"16777227", "16777228"},
			senders: []string{"sip:9000@192.168.50.102", "sip:1002@192.168.50.10"},
		},
		// Oracle outbound: x-inin-cnv on the participant.
		"oracle-5-outbound-cnv.sip": {
			mode: DataModeComplete, session: "Pq3vX0aYR0mJ7b1nQ2s4Tg==",
			aors:    []string{"sip:+13175550100@genesys-edge.example.com", "sip:+13175550199@carrier.example.net"},
			labels:  []string{"917302145", "917302146"},
			senders: []string{"sip:+13175550100@genesys-edge.example.com", "sip:+13175550199@carrier.example.net"},
			keys:    []string{"conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a", "call-id:8b4e3d2c-1a09-4f8e-b7d6-c5b4a3928170@10.30.0.21"},
		},
		// Oracle transfer: four streams, the agent who left sends nothing.
		"oracle-6-transfer.sip": {
			mode: DataModeComplete, session: "tgfh2ko3QLdt5TI44tJGIg==",
			aors:    []string{"sip:+19195184357@vzb.int", "sip:+18442820485@uhc.com", "sip:+18442820512@uhc.com"},
			labels:  []string{"739440565", "739440566", "739440567", "739440568"},
			senders: []string{"sip:+19195184357@vzb.int", "", "sip:+19195184357@vzb.int", "sip:+18442820512@uhc.com"},
			keys:    []string{"ucid:004762BD69FA4805", "ucid:0047631269FA4B57"},
		},
		// Cisco CUBE: recording:1 namespace, participant_id, participantstreamassoc.
		"cisco-1-body.sip": {
			mode: DataModeComplete, session: "kQNhKFdEEeeJ9tD/VsPGWA==",
			aors:    []string{"sip:7301@35.162.237.204", "sip:7300@35.162.237.204"},
			labels:  []string{"1", "2"},
			senders: []string{"sip:7301@35.162.237.204", "sip:7300@35.162.237.204"},
		},
		// Avaya SBCE: <dataMode>, the UCID as ASAI UUI in session_id, a dummy participant.
		"avaya-sbce-1-body.sip": {
			mode: DataModeComplete, session: "00FA0800705D4C5DCAAC41",
			aors:    []string{"sip:9878942259@212.188.68.145", "sip:ASBCE@asbce.com"},
			labels:  []string{"10", "20"},
			senders: []string{"sip:9878942259@212.188.68.145", "sip:ASBCE@asbce.com"},
			keys:    []string{"ucid:00705D4C5DCAAC41"},
		},
		// Avaya SBCE UPDATE: partial, the dummy disassociated, no streams restated.
		"avaya-sbce-1-update.sip": {
			mode: DataModePartial, session: "00FA0800705D4C5DCAAC41",
			aors: []string{"", "sip:4100@10.201.1.20"},
			keys: []string{"ucid:00705D4C5DCAAC41"},
		},
		// BroadWorks: old draft namespace and root, <send><id>, its own callID is no key.
		"broadworks-2.sip": {
			mode: DataModeComplete, session: "urn:uuid:a25b7cce-418a-48c9-ad2c-1837820a1882",
			aors:    []string{"sip:+13175550123@as.example.net;user=phone", "sip:4100@democorp.example.net"},
			labels:  []string{"1", "2"},
			senders: []string{"sip:+13175550123@as.example.net;user=phone", "sip:4100@democorp.example.net"},
		},
		// BroadWorks capture with its tags stripped: parses, says nothing.
		"broadworks-1-body-mangled.sip": {},
		// Ribbon: tns: prefix on everything, callData in the group.
		"ribbon-sonus-1-body.sip": {
			mode: DataModeComplete, session: "MTQ3YzA3YzEtNjdkNy0xMA==",
			aors:    []string{"2249888500@172.16.198.55", "2249888012@172.16.195.72"},
			labels:  []string{"1", "2"},
			senders: []string{"2249888012@172.16.195.72", "2249888500@172.16.198.55"},
			keys:    []string{"call-id:2da553f7-a48b-1235-d6a2-5254003a4988"},
		},
		// OpenSIPS: no associations at all, so no senders.
		"opensips-1-body.sip": {
			mode: DataModeComplete, session: "2+hKdGY+QvCKu8HYTdBouQ==",
			aors:    []string{"sip:0771121212@52.57.92.239", "sip:0760516936@sip-cust1.connectel.io"},
			labels:  []string{"1", "2"},
			senders: []string{"", ""},
		},
		// SEMS: attributes on continuation lines, non-numeric labels.
		"sems-1-body.sip": {
			mode: DataModeComplete, session: "ho9aUhEQTRS+31th7sHStA==",
			aors:    []string{"sip:016190200@87.252.209.116", "Extension-016190619@speechpath.ie"},
			labels:  []string{"a_leg", "b_leg"},
			senders: []string{"sip:016190200@87.252.209.116", "Extension-016190619@speechpath.ie"},
		},
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMetadata(metadataOf(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if m.DataMode != w.mode || m.SessionID != w.session {
				t.Errorf("mode %q session %q", m.DataMode, m.SessionID)
			}
			var aors, labels, senders []string
			for _, p := range m.Participants {
				aors = append(aors, p.AOR)
			}
			for _, s := range m.Streams {
				labels = append(labels, s.Label)
				sender := ""
				if i := m.participant(s.Sender); s.Sender != "" && i >= 0 {
					sender = m.Participants[i].AOR
				}
				senders = append(senders, sender)
			}
			if !slices.Equal(aors, w.aors) || !slices.Equal(labels, w.labels) || !slices.Equal(senders, w.senders) {
				t.Errorf("participants %q\nstreams %q\nsenders %q", aors, labels, senders)
			}
			if got := keyStrings(m); !slices.Equal(got, w.keys) {
				t.Errorf("keys %q, want %q", got, w.keys)
			}
		})
	}
}

func TestParseMetadataOracleExtensions(t *testing.T) {
	m, err := ParseMetadata(metadataOf(t, "oracle-3.sip"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.Participants[0], m.Participants[1]
	if a.Party != PartyCalling || b.Party != PartyCalled || m.CallerOrig != "true" {
		t.Errorf("parties %v %v callerOrig %q", a.Party, b.Party, m.CallerOrig)
	}
	if a.RequestURI != "sip:1970900410@elr11.uhgvcc.globalipcom.com" || a.Realm != "peerVZBSR1" || a.Name != "+19195184357" {
		t.Errorf("participant = %+v", a)
	}
	if len(a.Headers) != 1 || a.Headers[0] != (ExtHeader{Label: "Call-ID", Value: "wlss-64071c05-73fde93a6638f450@152.190.6.22"}) {
		t.Errorf("headers = %+v", a.Headers)
	}
	if a.AssociateTime != "2026-05-05T14:41:56" || a.Left() {
		t.Errorf("times %q %q", a.AssociateTime, a.DisassociateTime)
	}
}

// wrap builds a minimal Oracle-style document around a participant body.
func oracleDoc(ns, extNS, participant string) string {
	return `<?xml version='1.0' encoding='UTF-8'?>
<recording xmlns='` + ns + `'>
<datamode>complete</datamode>
<session id="s1"><extensiondata xmlns:apkt="` + extNS + `"><apkt:ucid>004762BD69FA4805</apkt:ucid></extensiondata></session>
<participant id="p1" session="s1"><send>st1</send>
<extensiondata xmlns:apkt="` + extNS + `">` + participant + `</extensiondata>
</participant>
<stream id="st1" session="s1"><label>1</label></stream>
</recording>`
}

func TestParseMetadataHeaderLabels(t *testing.T) {
	const cnv = "conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"
	tests := map[string]struct {
		extNS, participant string
		want               []string
	}{
		"x-inin-cnv, one-slash namespace": {"http:/acmepacket.com/siprec/extensiondata",
			`<apkt:header label="x-inin-cnv"><value>5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a</value></apkt:header>`,
			[]string{"ucid:004762BD69FA4805", cnv}},
		"X-Inin-Cnv upper case, two-slash namespace": {"http://acmepacket.com/siprec/extensiondata",
			`<apkt:header label="X-Inin-Cnv"><value>5F1D2C3B-0A9E-4D8F-9B7A-6C5E4D3C2B1A</value></apkt:header>`,
			[]string{"ucid:004762BD69FA4805", cnv}},
		"User-to-User with params": {"http:/acmepacket.com/siprec/extensiondata",
			`<apkt:header label="user-to-user"><value>04FA08004762C169FA480CC8143030303731323532383131373738303130313234;encoding=hex;purpose=isdn-uui</value></apkt:header>`,
			[]string{"ucid:004762BD69FA4805", "ucid:004762C169FA480C"}},
		"Call-ID": {"http:/acmepacket.com/siprec/extensiondata",
			`<apkt:header label="CALL-ID"><value>abc@192.0.2.1</value></apkt:header>`,
			[]string{"ucid:004762BD69FA4805", "call-id:abc@192.0.2.1"}},
		"value as direct text": {"http:/acmepacket.com/siprec/extensiondata",
			`<apkt:header label="x-inin-cnv">5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a</apkt:header>`,
			[]string{"ucid:004762BD69FA4805", cnv}},
		"invalid values skipped": {"http:/acmepacket.com/siprec/extensiondata",
			`<apkt:header label="x-inin-cnv"><value>not-a-uuid</value></apkt:header><apkt:header label="User-to-User"><value>tier=gold</value></apkt:header>`,
			[]string{"ucid:004762BD69FA4805"}},
		"unknown label ignored": {"http:/acmepacket.com/siprec/extensiondata",
			`<apkt:header label="P-Asserted-Identity"><value>&lt;sip:1@example.com&gt;</value></apkt:header>`,
			[]string{"ucid:004762BD69FA4805"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMetadata([]byte(oracleDoc("urn:ietf:params:xml:ns:recording", tt.extNS, tt.participant)))
			if err != nil {
				t.Fatal(err)
			}
			if got := keyStrings(m); !slices.Equal(got, tt.want) {
				t.Fatalf("keys %q, want %q", got, tt.want)
			}
			if len(m.Participants[0].Headers) == 0 {
				t.Fatal("header not recorded on the participant")
			}
		})
	}
}

func TestParseMetadataNamespaces(t *testing.T) {
	// The same document under every namespace and prefix SBCs use; elements
	// match on local names only, and datamode in any case.
	const inner = `<%[1]sdatamode>partial</%[1]sdatamode>
<%[1]ssession %[2]s="s1"/>
<%[1]sparticipant %[3]s="p1"><%[1]snameID aor="sip:a@example.com"/></%[1]sparticipant>
<%[1]sparticipantstreamassoc participant_id="p1"><%[1]ssend>st1</%[1]ssend></%[1]sparticipantstreamassoc>
<%[1]sstream %[4]s="st1"><%[1]slabel>7</%[1]slabel></%[1]sstream>`
	tests := map[string]string{
		"RFC 7865 recording:1":      `<recording xmlns="urn:ietf:params:xml:ns:recording:1">` + fmt.Sprintf(inner, "", "session_id", "participant_id", "stream_id") + `</recording>`,
		"Oracle recording, no :1":   `<recording xmlns='urn:ietf:params:xml:ns:recording'>` + fmt.Sprintf(inner, "", "id", "id", "id") + `</recording>`,
		"tns: prefix (Ribbon)":      `<tns:recording xmlns:tns='urn:ietf:params:xml:ns:recording'>` + fmt.Sprintf(inner, "tns:", "session_id", "participant_id", "stream_id") + `</tns:recording>`,
		"old siprec draft root":     `<recording_metadata xmlns="urn:ietf:params:xml:ns:siprec">` + fmt.Sprintf(inner, "", "id", "id", "id") + `</recording_metadata>`,
		"no namespace at all":       `<recording>` + fmt.Sprintf(inner, "", "session_id", "participant_id", "stream_id") + `</recording>`,
		"dataMode camel case":       strings.ReplaceAll(`<recording>`+fmt.Sprintf(inner, "", "session_id", "participant_id", "stream_id")+`</recording>`, "datamode", "dataMode"),
		"DATAMODE upper case value": strings.ReplaceAll(`<recording>`+fmt.Sprintf(inner, "", "session_id", "participant_id", "stream_id")+`</recording>`, ">partial<", ">PARTIAL<"),
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMetadata([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if m.DataMode != DataModePartial || m.SessionID != "s1" || len(m.Participants) != 1 ||
				m.Participants[0].AOR != "sip:a@example.com" || len(m.Streams) != 1 ||
				m.Streams[0].Label != "7" || m.Streams[0].Sender != "p1" {
				t.Fatalf("model = %+v", m)
			}
		})
	}
}

func TestParseMetadataMalformed(t *testing.T) {
	unescaped := metadataOf(t, "oracle-7-unescaped-uri-body.sip")
	truncated := metadataOf(t, "oracle-3.sip")
	truncated = truncated[:bytes.Index(truncated, []byte("<mode>"))] // cut inside the first stream
	tests := map[string]struct {
		doc      []byte
		keys     []string
		streams  int
		calling  bool // the first participant is known to be calling
		uriFixed bool
	}{
		// Oracle's unescaped <sip:…> in apkt:request-uri: repaired and parsed.
		"unescaped request-uri": {unescaped, []string{"ucid:004762BD69FA4805", "ucid:004762C169FA480C",
			"call-id:wlss-64071c05-73fde93a6638f450@152.190.6.22"}, 2, true, true},
		// Cut mid-document: keys and what is there by pattern.
		"truncated": {truncated, []string{"ucid:004762BD69FA4805", "call-id:wlss-64071c05-73fde93a6638f450@152.190.6.22"}, 1, true, false},
		"mismatched end tag": {[]byte(`<recording><session id="s"><extensiondata><apkt:ucid>004762BD69FA4805</apkt:ucid></session></recording>`),
			[]string{"ucid:004762BD69FA4805"}, 0, false, false},
		"unknown entity": {[]byte(`<recording><datamode>complete&nbsp;</datamode><ucid>004762BD69FA4805</ucid></recording>`),
			[]string{"ucid:004762BD69FA4805"}, 0, false, false},
		"wrong root":        {[]byte(`<metadata><ucid>004762BD69FA4805</ucid></metadata>`), []string{"ucid:004762BD69FA4805"}, 0, false, false},
		"unknown charset":   {[]byte(`<?xml version="1.0" encoding="EBCDIC"?><recording><ucid>004762BD69FA4805</ucid></recording>`), []string{"ucid:004762BD69FA4805"}, 0, false, false},
		"not XML":           {[]byte("completeSRCselective sip:caller"), nil, 0, false, false},
		"empty":             {nil, nil, 0, false, false},
		"unclosed CDATA":    {[]byte(`<recording><![CDATA[x`), nil, 0, false, false},
		"stray end element": {[]byte(`</recording>`), nil, 0, false, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMetadata(tt.doc)
			if !errors.Is(err, ErrMalformedMetadata) || errors.Is(err, ErrHostileMetadata) {
				t.Fatalf("err = %v, want ErrMalformedMetadata", err)
			}
			if m == nil {
				t.Fatal("malformed metadata must still return a model")
			}
			if got := keyStrings(m); !slices.Equal(got, tt.keys) {
				t.Fatalf("keys %q, want %q", got, tt.keys)
			}
			if len(m.Streams) != tt.streams {
				t.Fatalf("streams = %+v", m.Streams)
			}
			if tt.calling && m.Participants[0].Party != PartyCalling {
				t.Fatalf("participant = %+v", m.Participants[0])
			}
			if tt.uriFixed && m.Participants[0].RequestURI != "sip:1970900410@elr11.uhgvcc.globalipcom.com" {
				t.Fatalf("request-uri = %q", m.Participants[0].RequestURI)
			}
		})
	}
}

// TestSalvage runs the pattern fallback alone on documents that the strict
// parser would accept, to show what it recovers when the XML is broken
// beyond repair.
func TestSalvage(t *testing.T) {
	tests := map[string]struct {
		doc     []byte
		keys    []string
		parties []Party
		labels  []string
		senders []string
	}{
		"oracle unescaped request-uri": {metadataOf(t, "oracle-7-unescaped-uri-body.sip"),
			[]string{"ucid:004762BD69FA4805", "ucid:004762C169FA480C", "call-id:wlss-64071c05-73fde93a6638f450@152.190.6.22"},
			[]Party{PartyCalling, PartyCalled}, []string{"739440565", "739440566"},
			[]string{"gXnUad4yRbxolQd+Vq1Nrw==", "r3jmmJrDTL50Rpog/r9DQg=="}},
		"oracle outbound x-inin-cnv": {metadataOf(t, "oracle-5-outbound-cnv.sip"),
			[]string{"conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a", "call-id:8b4e3d2c-1a09-4f8e-b7d6-c5b4a3928170@10.30.0.21"},
			[]Party{PartyCalling, PartyCalled}, []string{"917302145", "917302146"},
			[]string{"Jm8yW2eQT0GzK5pHc1vN4A==", "tY4bH9kLS2eWq7mF0dVx3Q=="}},
		"cisco participantstreamassoc": {metadataOf(t, "cisco-1-body.sip"), nil,
			[]Party{PartyUnknown, PartyUnknown}, []string{"1", "2"},
			[]string{"kQNhKFdEEeeJ99D/VsPGWA==", "kQNhKFdEEeeJ+ND/VsPGWA=="}},
		"ribbon callData": {metadataOf(t, "ribbon-sonus-1-body.sip"), []string{"call-id:2da553f7-a48b-1235-d6a2-5254003a4988"},
			[]Party{PartyUnknown, PartyUnknown}, []string{"1", "2"},
			[]string{"MTQ3YzA3YzMtNjdkNy0xMA==", "MTQ3YzA3YzItNjdkNy0xMA=="}},
		"avaya session_id": {metadataOf(t, "avaya-sbce-1-body.sip"), []string{"ucid:00705D4C5DCAAC41"},
			[]Party{PartyUnknown, PartyUnknown}, []string{"10", "20"},
			[]string{"9a2de728ba0bc348db1e", "abcdef12345678901234"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m := salvage(tt.doc)
			if got := keyStrings(m); !slices.Equal(got, tt.keys) {
				t.Errorf("keys %q, want %q", got, tt.keys)
			}
			var parties []Party
			for _, p := range m.Participants {
				parties = append(parties, p.Party)
			}
			var labels, senders []string
			for _, s := range m.Streams {
				labels = append(labels, s.Label)
				senders = append(senders, s.Sender)
			}
			if !slices.Equal(parties, tt.parties) || !slices.Equal(labels, tt.labels) || !slices.Equal(senders, tt.senders) {
				t.Errorf("parties %v labels %q senders %q", parties, labels, senders)
			}
		})
	}
}

func TestParseMetadataCompactIsLossless(t *testing.T) {
	// Whitespace between tags is dropped before parsing; every fixture must
	// parse to the same model either way, and errors keep the SBC's lines.
	for name := range bodyFixtures {
		doc := metadataOf(t, name)
		a, errA := parseXML(doc)
		b, errB := parseXML(compact(doc))
		if (errA == nil) != (errB == nil) || fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) {
			t.Errorf("%s: compacting changed the result:\n%+v %v\n%+v %v", name, a, errA, b, errB)
		}
	}
	_, err := ParseMetadata([]byte("<recording>\n  <session id='s'>\n  </sesion>\n</recording>"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want the original line number", err)
	}
}
