package siprec

import (
	"slices"
	"strings"
	"testing"
)

// mustParse parses metadata that must be well-formed.
func mustParse(t *testing.T, doc []byte) *Metadata {
	t.Helper()
	m, err := ParseMetadata(doc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// participantAORs lists the AORs of m's participants in order.
func participantAORs(m *Metadata) []string {
	var out []string
	for _, p := range m.Participants {
		out = append(out, p.AOR)
	}
	return out
}

// senderOf returns the AOR of the sender of the stream with label.
func senderOf(m *Metadata, label string) string {
	for _, s := range m.Streams {
		if s.Label == label {
			if i := m.participant(s.Sender); i >= 0 {
				return m.Participants[i].AOR
			}
		}
	}
	return ""
}

func TestApplyAvayaDummyParticipant(t *testing.T) {
	// Avaya SBCE puts a dummy sip:ASBCE@asbce.com in the INVITE and the
	// real agent in a later UPDATE.
	invite := mustParse(t, metadataOf(t, "avaya-sbce-1-body.sip"))
	completeUpdate := strings.NewReplacer(
		"sip:ASBCE@asbce.com", "sip:4100@10.201.1.20",
		"abcdef12345678901234", "5c1e7a0d93b24f6e8a21",
	).Replace(string(metadataOf(t, "avaya-sbce-1-body.sip")))
	tests := map[string][]byte{
		"partial UPDATE":  metadataOf(t, "avaya-sbce-1-update.sip"),
		"complete UPDATE": []byte(completeUpdate),
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, metadataOf(t, "avaya-sbce-1-body.sip"))
			m.Apply(mustParse(t, doc))
			if got := participantAORs(m); !slices.Equal(got, []string{"sip:9878942259@212.188.68.145", "sip:4100@10.201.1.20"}) {
				t.Fatalf("participants %q", got)
			}
			if senderOf(m, "10") != "sip:9878942259@212.188.68.145" || senderOf(m, "20") != "sip:4100@10.201.1.20" {
				t.Fatalf("senders: 10=%q 20=%q", senderOf(m, "10"), senderOf(m, "20"))
			}
			if !slices.Equal(keyStrings(m), keyStrings(invite)) {
				t.Fatalf("keys %q, want %q", keyStrings(m), keyStrings(invite))
			}
		})
	}
}

func TestApplyOracleTransfer(t *testing.T) {
	// The SBC re-INVITEs the same session after a transfer: agent A leaves,
	// agent C joins on a new stream pair. Keys of both legs stay.
	m := mustParse(t, metadataOf(t, "oracle-3.sip"))
	before := keyStrings(m)
	m.Apply(mustParse(t, metadataOf(t, "oracle-6-transfer.sip")))
	if got := participantAORs(m); !slices.Equal(got, []string{"sip:+19195184357@vzb.int", "sip:+18442820512@uhc.com"}) {
		t.Fatalf("participants %q", got)
	}
	wantSenders := map[string]string{
		"739440565": "sip:+19195184357@vzb.int",
		"739440566": "", // agent A left; the m-line is inactive now
		"739440567": "sip:+19195184357@vzb.int",
		"739440568": "sip:+18442820512@uhc.com",
	}
	for label, want := range wantSenders {
		if got := senderOf(m, label); got != want {
			t.Errorf("sender of %s = %q, want %q", label, got, want)
		}
	}
	keys := keyStrings(m)
	for _, k := range append(before, "ucid:0047631269FA4B57") {
		if !slices.Contains(keys, k) {
			t.Errorf("key %s lost: %q", k, keys)
		}
	}
}

func TestApplyPartial(t *testing.T) {
	base := `<recording><datamode>complete</datamode><session session_id="s1"/>
<participant participant_id="a"><nameID aor="sip:a@x"><name>A</name></nameID></participant>
<participant participant_id="b"><nameID aor="sip:b@x"/></participant>
<participantstreamassoc participant_id="a"><send>s-a</send></participantstreamassoc>
<participantstreamassoc participant_id="b"><send>s-b</send></participantstreamassoc>
<stream stream_id="s-a"><label>1</label></stream><stream stream_id="s-b"><label>2</label></stream></recording>`
	tests := map[string]struct {
		update  string
		aors    []string
		names   []string
		labels  []string
		senders map[string]string
	}{
		"new participant and stream appended": {
			`<recording><datamode>partial</datamode>
<participant participant_id="c"><nameID aor="sip:c@x"/></participant>
<participantstreamassoc participant_id="c"><send>s-c</send></participantstreamassoc>
<stream stream_id="s-c"><label>3</label></stream></recording>`,
			[]string{"sip:a@x", "sip:b@x", "sip:c@x"}, []string{"A", "", ""}, []string{"1", "2", "3"},
			map[string]string{"1": "sip:a@x", "2": "sip:b@x", "3": "sip:c@x"}},
		"existing participant updated, absent fields kept": {
			`<recording><datamode>partial</datamode>
<participant participant_id="b"><nameID aor="sip:b@x"><name>Bee</name></nameID></participant></recording>`,
			[]string{"sip:a@x", "sip:b@x"}, []string{"A", "Bee"}, []string{"1", "2"},
			map[string]string{"1": "sip:a@x", "2": "sip:b@x"}},
		"stream re-associated and relabelled": {
			`<recording><datamode>partial</datamode>
<participantstreamassoc participant_id="a"><send>s-b</send></participantstreamassoc>
<stream stream_id="s-b"><label>20</label></stream></recording>`,
			[]string{"sip:a@x", "sip:b@x"}, []string{"A", ""}, []string{"1", "20"},
			map[string]string{"1": "", "20": "sip:a@x"}},
		"participant disassociated": {
			`<recording><datamode>partial</datamode>
<participantsessionassoc participant_id="a" session_id="s1"><disassociate-time>2026-01-01T00:00:00Z</disassociate-time></participantsessionassoc></recording>`,
			[]string{"sip:b@x"}, []string{""}, []string{"1", "2"},
			map[string]string{"1": "", "2": "sip:b@x"}},
		"no datamode means complete": {
			`<recording><participant participant_id="z"><nameID aor="sip:z@x"/></participant></recording>`,
			[]string{"sip:z@x"}, []string{""}, nil, map[string]string{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, []byte(base))
			m.Apply(mustParse(t, []byte(tt.update)))
			var names, labels []string
			for _, p := range m.Participants {
				names = append(names, p.Name)
			}
			for _, s := range m.Streams {
				labels = append(labels, s.Label)
			}
			if !slices.Equal(participantAORs(m), tt.aors) || !slices.Equal(names, tt.names) || !slices.Equal(labels, tt.labels) {
				t.Fatalf("participants %q names %q streams %q", participantAORs(m), names, labels)
			}
			for label, want := range tt.senders {
				if got := senderOf(m, label); got != want {
					t.Errorf("sender of %s = %q, want %q", label, got, want)
				}
			}
		})
	}
}

func TestApplyKeysAccumulate(t *testing.T) {
	// x-inin-cnv may only arrive after answer; a later complete update that
	// no longer carries the UCID must not drop it.
	doc := func(ext string) []byte {
		return []byte(oracleDoc("urn:ietf:params:xml:ns:recording", "http:/acmepacket.com/siprec/extensiondata", ext))
	}
	m := mustParse(t, []byte(`<recording><datamode>complete</datamode><ucid>004762C169FA480C</ucid></recording>`))
	m.Apply(mustParse(t, doc(`<apkt:header label="x-inin-cnv"><value>5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a</value></apkt:header>`)))
	m.Apply(mustParse(t, []byte(`<recording><datamode>complete</datamode></recording>`)))
	want := []string{"ucid:004762C169FA480C", "ucid:004762BD69FA4805", "conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"}
	if got := keyStrings(m); !slices.Equal(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
	// Endless updates with new values stay bounded.
	for i := range 100 {
		m.Apply(&Metadata{DataMode: DataModePartial, CallIDs: []string{"call-" + string(rune('a'+i%26)) + string(rune('a'+i/26))}})
	}
	if len(m.CallIDs) != maxKeyValues {
		t.Fatalf("CallIDs grew to %d", len(m.CallIDs))
	}
}

func TestApplyCopies(t *testing.T) {
	m := &Metadata{}
	u := mustParse(t, metadataOf(t, "oracle-3.sip"))
	m.Apply(u)
	u.Participants[0].Send[0] = "changed"
	u.Participants[0].Headers[0].Value = "changed"
	u.Streams[0].Label = "changed"
	u.UCIDs[0] = "changed"
	if m.Participants[0].Send[0] == "changed" || m.Participants[0].Headers[0].Value == "changed" ||
		m.Streams[0].Label == "changed" || m.UCIDs[0] == "changed" {
		t.Fatal("Apply kept references into the update")
	}
	m.Apply(nil) // no-op
	if len(m.Participants) != 2 {
		t.Fatal("Apply(nil) changed the model")
	}
}
