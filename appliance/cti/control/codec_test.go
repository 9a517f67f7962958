package control

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
)

const (
	testUCID = "004762C169FA480C"
	testConv = "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"
)

func keys(t testing.TB) callkey.Set {
	t.Helper()
	u, err := callkey.UCID(testUCID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := callkey.Conversation(testConv)
	if err != nil {
		t.Fatal(err)
	}
	return callkey.NewSet(u, c)
}

func TestMarshalRoundTrip(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		m    Message
		wire string // a fragment of the encoding
	}{
		"hello": {Message{Type: TypeHello, Hello: &Hello{ApplianceID: "dc1-edge-01", Version: "1.2.3",
			Sessions: []Session{{ID: "s1", State: gate.StatePending, Keys: keys(t)}}}},
			`{"v":1,"type":"hello","data":{"appliance_id":"dc1-edge-01","version":"1.2.3","sessions":[{"id":"s1","state":"pending","keys":["ucid:004762C169FA480C","conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"]}]}}`},
		"hello without sessions": {Message{Type: TypeHello, Hello: &Hello{ApplianceID: "a", Sessions: []Session{}}}, `"sessions":[]`},
		"session ended":          {Message{Type: TypeSession, Session: &Session{ID: "s1", State: gate.StateEnded, Keys: keys(t)}}, `"state":"ended"`},
		"ping":                   {Message{Type: TypePing, ID: "p1"}, `{"v":1,"type":"ping","id":"p1"}`},
		"pong":                   {Message{Type: TypePong, ID: "p1"}, `{"v":1,"type":"pong","id":"p1"}`},
		"cti": {Message{Type: TypeCTI, ID: "e1", CTI: &cti.Event{Type: cti.Start, UCID: testUCID, AgentID: "a1", Direction: cti.Inbound, At: at}},
			`{"v":1,"type":"cti","id":"e1","data":{"type":"start","ucid":"004762C169FA480C","agent_id":"a1","direction":"inbound","at":"2026-05-01T10:00:00Z"}}`},
		"ack": {Message{Type: TypeAck, ID: "e1", Ack: &Ack{Outcome: OutcomeMatched, Applied: []string{"s1"}}},
			`"data":{"outcome":"matched","applied":["s1"]}`},
		"ack invalid": {Message{Type: TypeAck, ID: "e1", Ack: &Ack{Outcome: OutcomeInvalid, Error: "no key"}}, `"error":"no key"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := Marshal(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.wire) {
				t.Errorf("wire %s\nwant it to contain %s", b, tt.wire)
			}
			got, err := Unmarshal(b)
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", b, err)
			}
			if !reflect.DeepEqual(got, tt.m) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.m)
			}
		})
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	big := `{"v":1,"type":"session","data":{"id":"s1","state":"pending","keys":["call-id:` + strings.Repeat("x", MaxMessageSize) + `"]}}`
	tests := map[string]struct {
		in       string
		err      error
		typ      Type   // kept despite the error
		id       string // kept despite the error
		invalid  bool   // also wraps cti.ErrInvalid
		contains string
	}{
		"not JSON":              {in: `hello`, err: ErrMalformed},
		"empty":                 {in: ``, err: ErrMalformed},
		"an array":              {in: `[1]`, err: ErrMalformed},
		"unknown envelope key":  {in: `{"v":1,"type":"ping","id":"p","x":1}`, err: ErrMalformed, contains: "unknown field"},
		"trailing data":         {in: `{"v":1,"type":"ping","id":"p"} {}`, err: ErrMalformed, contains: "trailing"},
		"no version":            {in: `{"type":"ping","id":"p"}`, err: ErrVersion},
		"version 2":             {in: `{"v":2,"type":"ping","id":"p"}`, err: ErrVersion},
		"no type":               {in: `{"v":1,"id":"p"}`, err: ErrMalformed, contains: "no type"},
		"unknown type":          {in: `{"v":1,"type":"reboot","id":"r1","data":{"now":true}}`, err: ErrUnknownType, typ: "reboot", id: "r1"},
		"ping without id":       {in: `{"v":1,"type":"ping"}`, err: ErrMalformed, typ: TypePing},
		"ping with data":        {in: `{"v":1,"type":"ping","id":"p","data":{"x":1}}`, err: ErrMalformed, typ: TypePing, id: "p"},
		"ping with empty data":  {in: `{"v":1,"type":"ping","id":"p","data":{}}`},
		"id with a newline":     {in: `{"v":1,"type":"ping","id":"p\n"}`, err: ErrMalformed},
		"hello with an id":      {in: `{"v":1,"type":"hello","id":"h","data":{"appliance_id":"a","version":"","sessions":[]}}`, err: ErrMalformed},
		"hello without data":    {in: `{"v":1,"type":"hello"}`, err: ErrMalformed, typ: TypeHello},
		"hello without id":      {in: `{"v":1,"type":"hello","data":{"appliance_id":"","version":"1","sessions":[]}}`, err: ErrMalformed, contains: "appliance_id"},
		"hello unknown field":   {in: `{"v":1,"type":"hello","data":{"appliance_id":"a","version":"1","sessions":[],"x":1}}`, err: ErrMalformed, contains: "unknown field"},
		"session bad state":     {in: `{"v":1,"type":"session","data":{"id":"s1","state":"dancing","keys":[]}}`, err: ErrMalformed, contains: "state"},
		"session bad key":       {in: `{"v":1,"type":"session","data":{"id":"s1","state":"pending","keys":["ucid:zz"]}}`, err: ErrMalformed},
		"session key no kind":   {in: `{"v":1,"type":"session","data":{"id":"s1","state":"pending","keys":["abc"]}}`, err: ErrMalformed},
		"session without id":    {in: `{"v":1,"type":"session","data":{"id":"","state":"pending","keys":[]}}`, err: ErrMalformed},
		"session oversize":      {in: big, err: ErrTooLarge, typ: TypeSession},
		"ack bad outcome":       {in: `{"v":1,"type":"ack","id":"e1","data":{"outcome":"great"}}`, err: ErrMalformed},
		"cti without id":        {in: `{"v":1,"type":"cti","data":{"type":"start","ucid":"004762C169FA480C"}}`, err: ErrMalformed, typ: TypeCTI},
		"cti without data":      {in: `{"v":1,"type":"cti","id":"e1"}`, err: ErrMalformed, typ: TypeCTI, id: "e1", invalid: true},
		"cti bad type":          {in: `{"v":1,"type":"cti","id":"e1","data":{"type":"dance","ucid":"004762C169FA480C"}}`, err: ErrMalformed, typ: TypeCTI, id: "e1", invalid: true},
		"cti no key":            {in: `{"v":1,"type":"cti","id":"e1","data":{"type":"start","agent_id":"a1"}}`, err: ErrMalformed, typ: TypeCTI, id: "e1", invalid: true, contains: "identifies a call"},
		"cti unknown field":     {in: `{"v":1,"type":"cti","id":"e1","data":{"type":"start","ucid":"004762C169FA480C","colour":"red"}}`, err: ErrMalformed, typ: TypeCTI, id: "e1", invalid: true},
		"cti bad direction":     {in: `{"v":1,"type":"cti","id":"e1","data":{"type":"start","ucid":"004762C169FA480C","direction":"up"}}`, err: ErrMalformed, typ: TypeCTI, id: "e1", invalid: true},
		"cti without at is now": {in: `{"v":1,"type":"cti","id":"e1","data":{"type":"end","conversation_id":"5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"}}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := Unmarshal([]byte(tt.in))
			if tt.err == nil {
				if err != nil {
					t.Fatalf("Unmarshal: %v", err)
				}
				if m.CTI != nil && m.CTI.At.IsZero() {
					t.Error("event without at: at not set")
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Unmarshal: %v, want %v", err, tt.err)
			}
			if errors.Is(err, cti.ErrInvalid) != tt.invalid {
				t.Errorf("wraps cti.ErrInvalid = %v, want %v: %v", !tt.invalid, tt.invalid, err)
			}
			if tt.typ != "" && m.Type != tt.typ {
				t.Errorf("type %q, want %q", m.Type, tt.typ)
			}
			if tt.id != "" && m.ID != tt.id {
				t.Errorf("id %q, want %q", m.ID, tt.id)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q lacks %q", err, tt.contains)
			}
		})
	}
}

func TestMarshalRefuses(t *testing.T) {
	var many []Session
	for i := range 200 {
		var ks callkey.Set
		for j := range callkey.MaxSetLen {
			k, err := callkey.CallID(strings.Repeat("c", 200) + "-" + string(rune('a'+i%26)) + string(rune('a'+j%26)) + string(rune('a'+j/26)))
			if err != nil {
				t.Fatal(err)
			}
			ks.Add(k)
		}
		many = append(many, Session{ID: "s", State: gate.StatePending, Keys: ks})
	}
	tests := map[string]struct {
		m   Message
		err error
	}{
		"unknown type":        {Message{Type: "reboot"}, ErrUnknownType},
		"ping with a payload": {Message{Type: TypePing, ID: "p", Ack: &Ack{Outcome: OutcomeMatched}}, ErrMalformed},
		"hello without hello": {Message{Type: TypeHello}, ErrMalformed},
		"two payloads":        {Message{Type: TypeAck, ID: "e", Ack: &Ack{Outcome: OutcomeMatched}, Hello: &Hello{ApplianceID: "a"}}, ErrMalformed},
		"ack without id":      {Message{Type: TypeAck, Ack: &Ack{Outcome: OutcomeMatched}}, ErrMalformed},
		"invalid event":       {Message{Type: TypeCTI, ID: "e", CTI: &cti.Event{Type: cti.Start}}, ErrMalformed},
		"hello too large":     {Message{Type: TypeHello, Hello: &Hello{ApplianceID: "a", Sessions: many}}, ErrTooLarge},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Marshal(tt.m); !errors.Is(err, tt.err) {
				t.Fatalf("Marshal: %v, want %v", err, tt.err)
			}
		})
	}
}

func TestAckOf(t *testing.T) {
	ids := make([]string, 300)
	for i := range ids {
		ids[i] = "s"
	}
	a := AckOf(gate.DeliverResult{Outcome: gate.Matched, Applied: ids, Ignored: ids})
	if len(a.Applied)+len(a.Ignored) != maxAckSessions || a.Outcome != OutcomeMatched {
		t.Fatalf("ack of 600 sessions lists %d+%d", len(a.Applied), len(a.Ignored))
	}
	if _, err := Marshal(Message{Type: TypeAck, ID: "e", Ack: &a}); err != nil {
		t.Fatal(err)
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 500 * time.Millisecond, max: 30 * time.Second}
	wantMax := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, hi := range wantMax {
		for range 20 {
			save := b.n
			d := b.next()
			b.n = save
			if d < hi/2 || d > hi {
				t.Fatalf("attempt %d: wait %v, want [%v, %v]", i, d, hi/2, hi)
			}
		}
		b.next()
	}
	b.reset()
	if d := b.next(); d > 500*time.Millisecond {
		t.Fatalf("after reset: %v", d)
	}
}
