package audiohook

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testSession = "e160e428-53e2-487c-977d-96989bf5c99d"
	testOrg     = "d7934305-0972-4844-938e-9060eef73d05"
	testConv    = "4e6f6e65-0000-4000-8000-000000000001"
	testPart    = "4e6f6e65-0000-4000-8000-000000000002"
)

// sampleMessages has one valid message of every v2 type.
func sampleMessages() []*Message {
	client := func(t Type, seq int64, p Params) *Message {
		return &Message{Version: Version, ID: testSession, Type: t, Seq: seq, ServerSeq: seq - 1, Position: Duration(1340 * time.Millisecond), Params: p}
	}
	server := func(t Type, seq int64, p Params) *Message {
		return &Message{Version: Version, ID: testSession, Type: t, Seq: seq, ClientSeq: seq, Params: p}
	}
	return []*Message{
		client(TypeOpen, 1, &OpenParameters{
			OrganizationID: testOrg, ConversationID: testConv,
			Participant:        Participant{ID: testPart, ANI: "+15551234567", ANIName: "Jo Caller", DNIS: "+15557654321"},
			Media:              DefaultOffer(),
			Language:           "en-US",
			SupportedLanguages: true,
			ContinuedSessions:  []ContinuedSession{{ID: goldenSession, ServerSeq: 7, ClientSeq: 9}},
			CustomConfig:       json.RawMessage(`{"k":"v"}`),
		}),
		server(TypeOpened, 1, &OpenedParameters{Media: []Media{StereoPCMU()}, DiscardTo: Duration(2 * time.Second), StartPaused: true, SupportedLanguages: []string{"en-US"}}),
		client(TypePing, 2, &PingParameters{RTT: Duration(12 * time.Millisecond)}),
		server(TypePong, 2, &Empty{}),
		server(TypePause, 3, &Empty{}),
		client(TypePaused, 3, &Empty{}),
		server(TypeResume, 4, &Empty{}),
		client(TypeResumed, 4, &ResumedParameters{Start: Duration(time.Second), Discarded: Duration(340 * time.Millisecond)}),
		client(TypeUpdate, 5, &UpdateParameters{Language: "es-419"}),
		server(TypeUpdated, 5, &Empty{}),
		client(TypeDiscarded, 6, &DiscardedParameters{Start: Duration(6300 * time.Millisecond), Discarded: Duration(300 * time.Millisecond)}),
		client(TypeError, 7, &ErrorParameters{Code: CodeTooManyRequests, Message: "slow down", RetryAfter: Duration(2 * time.Second)}),
		server(TypeEvent, 6, &EventParameters{Entities: []EventEntity{{Type: "transcript", Data: json.RawMessage(`{"id":"x"}`)}}}),
		server(TypeReconnect, 7, &ReconnectParameters{Info: "rebalance"}),
		server(TypeDisconnect, 8, &DisconnectParameters{Reason: DisconnectCompleted, Info: "done", OutputVariables: json.RawMessage(`{"a":1}`)}),
		client(TypeClose, 8, &CloseParameters{Reason: CloseDisconnect}),
		server(TypeClosed, 9, &Empty{}),
	}
}

func TestMessageRoundTrip(t *testing.T) {
	seen := map[Type]bool{}
	for _, m := range sampleMessages() {
		b, err := Marshal(m)
		if err != nil {
			t.Fatalf("Marshal %s: %v", m.Type, err)
		}
		got, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal %s: %v\n%s", m.Type, err, b)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s round trip\n got %#v\nwant %#v", m.Type, got, m)
		}
		seen[m.Type] = true
	}
	for _, typ := range []Type{TypeOpen, TypeOpened, TypePing, TypePong, TypePause, TypePaused, TypeResume, TypeResumed,
		TypeUpdate, TypeUpdated, TypeDiscarded, TypeClose, TypeClosed, TypeError, TypeDisconnect, TypeEvent, TypeReconnect} {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
}

func TestMarshalWireForm(t *testing.T) {
	b, err := Marshal(&Message{ID: testSession, Type: TypeClosed, Seq: 2, ClientSeq: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":"2","id":"` + testSession + `","type":"closed","seq":2,"clientseq":2,"parameters":{}}`
	if string(b) != want {
		t.Errorf("closed\n got %s\nwant %s", b, want)
	}
	b, err = Marshal(&Message{ID: testSession, Type: TypePaused, Seq: 3, ServerSeq: 1, Position: Duration(1500 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	want = `{"version":"2","id":"` + testSession + `","type":"paused","seq":3,"serverseq":1,"position":"PT1.5S","parameters":{}}`
	if string(b) != want {
		t.Errorf("paused\n got %s\nwant %s", b, want)
	}
	b, err = Marshal(&Message{ID: testSession, Type: TypeOpened, Seq: 1, ClientSeq: 1, Params: &OpenedParameters{}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"parameters":{"media":[],"startPaused":false}`) {
		t.Errorf("opened without media: %s", b)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	env := func(fields string) string {
		return `{"version":"2","id":"` + testSession + `",` + fields + `}`
	}
	cases := []struct {
		name string
		in   string
		want error
	}{
		{"not json", `{"version":`, ErrMalformed},
		{"array", `[1,2]`, ErrMalformed},
		{"wrong version", `{"version":"1","id":"` + testSession + `","type":"pong","seq":1,"clientseq":1,"parameters":{}}`, ErrVersion},
		{"numeric version", `{"version":2,"id":"` + testSession + `","type":"pong","seq":1,"clientseq":1,"parameters":{}}`, ErrVersion},
		{"no version", `{"id":"` + testSession + `","type":"pong","seq":1,"clientseq":1,"parameters":{}}`, ErrVersion},
		{"unknown type", env(`"type":"hello","seq":1,"clientseq":1,"parameters":{}`), ErrUnknownType},
		{"no type", env(`"seq":1,"clientseq":1,"parameters":{}`), ErrUnknownType},
		{"missing id", `{"version":"2","type":"pong","seq":1,"clientseq":1,"parameters":{}}`, ErrMissingID},
		{"bad id", `{"version":"2","id":"not-a-uuid","type":"pong","seq":1,"clientseq":1,"parameters":{}}`, ErrBadID},
		{"seq zero", env(`"type":"pong","seq":0,"clientseq":1,"parameters":{}`), ErrBadSeq},
		{"seq negative", env(`"type":"pong","seq":-1,"clientseq":1,"parameters":{}`), ErrBadSeq},
		{"seq fraction", env(`"type":"pong","seq":1.5,"clientseq":1,"parameters":{}`), ErrBadSeq},
		{"seq exponent", env(`"type":"pong","seq":1e2,"clientseq":1,"parameters":{}`), ErrBadSeq},
		{"seq string", env(`"type":"pong","seq":"1","clientseq":1,"parameters":{}`), ErrBadSeq},
		{"seq too big", env(`"type":"pong","seq":9007199254740992,"clientseq":1,"parameters":{}`), ErrBadSeq},
		{"server message without clientseq", env(`"type":"pong","seq":1,"parameters":{}`), ErrBadSeq},
		{"client message without serverseq", env(`"type":"paused","seq":1,"position":"PT0S","parameters":{}`), ErrBadSeq},
		{"no position", env(`"type":"paused","seq":1,"serverseq":0,"parameters":{}`), ErrBadPosition},
		{"bad position", env(`"type":"paused","seq":1,"serverseq":0,"position":"1.5","parameters":{}`), ErrBadPosition},
		{"position in minutes", env(`"type":"paused","seq":1,"serverseq":0,"position":"PT1M","parameters":{}`), ErrBadPosition},
		{"no parameters", env(`"type":"pong","seq":1,"clientseq":1`), ErrBadParameters},
		{"parameters not object", env(`"type":"pong","seq":1,"clientseq":1,"parameters":[]`), ErrBadParameters},
		{"close without reason", env(`"type":"close","seq":1,"serverseq":0,"position":"PT0S","parameters":{}`), ErrBadParameters},
		{"close bad reason", env(`"type":"close","seq":1,"serverseq":0,"position":"PT0S","parameters":{"reason":"bye"}`), ErrBadParameters},
		{"close reason type", env(`"type":"close","seq":1,"serverseq":0,"position":"PT0S","parameters":{"reason":5}`), ErrBadParameters},
		{"resumed without discarded", env(`"type":"resumed","seq":1,"serverseq":0,"position":"PT0S","parameters":{"start":"PT1S"}`), ErrBadParameters},
		{"error code low", env(`"type":"error","seq":1,"serverseq":0,"position":"PT0S","parameters":{"code":200,"message":"x"}`), ErrBadParameters},
		{"error without message", env(`"type":"error","seq":1,"serverseq":0,"position":"PT0S","parameters":{"code":400}`), ErrBadParameters},
		{"disconnect bad reason", env(`"type":"disconnect","seq":1,"clientseq":0,"parameters":{"reason":"bye"}`), ErrBadParameters},
		{"info null", env(`"type":"disconnect","seq":1,"clientseq":0,"parameters":{"reason":"error","info":null}`), ErrBadParameters},
		{"opened two media", env(`"type":"opened","seq":1,"clientseq":1,"parameters":{"media":[` + pcmuJSON + `,` + pcmuJSON + `]}`), ErrBadParameters},
		{"opened media rate", env(`"type":"opened","seq":1,"clientseq":1,"parameters":{"media":[{"type":"audio","format":"PCMU","channels":["external"],"rate":16000}]}`), ErrBadParameters},
		{"event without entities", env(`"type":"event","seq":1,"clientseq":0,"parameters":{}`), ErrBadParameters},
		{"update bad language", env(`"type":"update","seq":1,"serverseq":0,"position":"PT0S","parameters":{"language":"en_US"}`), ErrBadParameters},
		{"open without participant", env(`"type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{"organizationId":"` + testOrg + `","conversationId":"` + testConv + `","media":[]}`), ErrBadParameters},
		{"open participant without ani", env(`"type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{"organizationId":"` + testOrg + `","conversationId":"` + testConv + `","participant":{"id":"` + testPart + `","aniName":"","dnis":""},"media":[]}`), ErrBadParameters},
		{"open bad conversation", env(`"type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{"organizationId":"` + testOrg + `","conversationId":"x","participant":{"id":"` + testPart + `","ani":"","aniName":"","dnis":""},"media":[]}`), ErrBadParameters},
		{"too large", `{"pad":"` + strings.Repeat("x", MaxTextMessage) + `"}`, ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Unmarshal([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Unmarshal = %+v, %v; want %v", m, err, tc.want)
			}
		})
	}
}

const pcmuJSON = `{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}`

func TestUnmarshalToleratesUnknownMembers(t *testing.T) {
	in := `{"version":"2","id":"` + testSession + `","type":"ping","seq":2,"serverseq":1,"position":"PT1S","parameters":{"rtt":"PT0.01S","future":true},"extra":[1]}`
	m, err := Unmarshal([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Params.(*PingParameters).RTT.Std() != 10*time.Millisecond {
		t.Errorf("rtt %v", m.Params)
	}
}

func TestMarshalRefuses(t *testing.T) {
	cases := []struct {
		name string
		m    Message
		want error
	}{
		{"unknown type", Message{ID: testSession, Type: "hello", Seq: 1}, ErrUnknownType},
		{"no id", Message{Type: TypePong, Seq: 1}, ErrMissingID},
		{"seq zero", Message{ID: testSession, Type: TypePong}, ErrBadSeq},
		{"wrong params", Message{ID: testSession, Type: TypePong, Seq: 1, Params: &CloseParameters{Reason: CloseEnd}}, ErrBadParameters},
		{"bad params", Message{ID: testSession, Type: TypeClose, Seq: 1, Params: &CloseParameters{Reason: "bye"}}, ErrBadParameters},
		{"negative position", Message{ID: testSession, Type: TypePaused, Seq: 1, Position: -1}, ErrBadPosition},
		{"too large", Message{ID: testSession, Type: TypeReconnect, Seq: 1, Params: &ReconnectParameters{Info: strings.Repeat("x", MaxTextMessage)}}, ErrTooLarge},
	}
	for _, tc := range cases {
		if _, err := Marshal(&tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: Marshal = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestSender(t *testing.T) {
	for _, m := range sampleMessages() {
		role, ok := Sender(m.Type)
		wantClient := m.ServerSeq > 0 || m.Type == TypeOpen
		if !ok || (role == RoleClient) != wantClient {
			t.Errorf("Sender(%s) = %s, %v", m.Type, role, ok)
		}
	}
}
