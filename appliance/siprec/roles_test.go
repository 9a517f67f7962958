package siprec

import "testing"

func TestRoles(t *testing.T) {
	type role struct {
		label string
		aor   string
		party Party
	}
	tests := map[string][]role{
		// Inbound: the calling sender is the customer (channel 0).
		"oracle-3.sip": {
			{"739440565", "sip:+19195184357@vzb.int", PartyCalling},
			{"739440566", "sip:+18442820485@uhc.com", PartyCalled},
		},
		// Outbound: the agent placed the call, so the called one is the customer.
		"oracle-5-outbound-cnv.sip": {
			{"917302145", "sip:+13175550100@genesys-edge.example.com", PartyCalling},
			{"917302146", "sip:+13175550199@carrier.example.net", PartyCalled},
		},
		// Transfer re-INVITE as parsed (not applied): agent A has left.
		"oracle-6-transfer.sip": {
			{"739440565", "sip:+19195184357@vzb.int", PartyCalling},
			{"739440566", "", PartyUnknown},
			{"739440567", "sip:+19195184357@vzb.int", PartyCalling},
			{"739440568", "sip:+18442820512@uhc.com", PartyCalled},
		},
		// Cisco says who sends what, not who called.
		"cisco-1-body.sip": {
			{"1", "sip:7301@35.162.237.204", PartyUnknown},
			{"2", "sip:7300@35.162.237.204", PartyUnknown},
		},
		// OpenSIPS says neither.
		"opensips-1-body.sip": {
			{"1", "", PartyUnknown},
			{"2", "", PartyUnknown},
		},
		"sems-1-body.sip": {
			{"a_leg", "sip:016190200@87.252.209.116", PartyUnknown},
			{"b_leg", "Extension-016190619@speechpath.ie", PartyUnknown},
		},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			got := mustParse(t, metadataOf(t, name)).Roles()
			if len(got) != len(want) {
				t.Fatalf("roles = %+v", got)
			}
			for i, w := range want {
				if got[i].Label != w.label || got[i].AOR != w.aor || got[i].Party != w.party {
					t.Errorf("role %d = %+v, want %+v", i, got[i], w)
				}
				if (got[i].ParticipantID == "") != (w.aor == "") || got[i].StreamID == "" {
					t.Errorf("role %d ids = %+v", i, got[i])
				}
			}
		})
	}
}

func TestRolesInferCalled(t *testing.T) {
	// One participant marked calling and the other silent: the other was
	// called. Two silent participants stay unknown.
	doc := `<recording xmlns='urn:ietf:params:xml:ns:recording'><datamode>complete</datamode>
<participant id="a"><send>sa</send><extensiondata xmlns:apkt="http:/acmepacket.com/siprec/extensiondata"><apkt:callingParty>true</apkt:callingParty></extensiondata></participant>
<participant id="b"><send>sb</send></participant>
<stream id="sa"><label>1</label></stream><stream id="sb"><label>2</label></stream></recording>`
	roles := mustParse(t, []byte(doc)).Roles()
	if roles[0].Party != PartyCalling || roles[1].Party != PartyCalled {
		t.Fatalf("roles = %+v", roles)
	}
	if (&Metadata{}).Roles() != nil || (*Metadata)(nil).Roles() != nil {
		t.Fatal("empty metadata has roles")
	}
	if PartyCalling.String() != "calling" || PartyCalled.String() != "called" || PartyUnknown.String() != "unknown" {
		t.Fatal("Party.String")
	}
}
