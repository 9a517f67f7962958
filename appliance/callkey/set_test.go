package callkey

import (
	"encoding/json"
	"testing"
)

// mustKey panics on error; inputs here are constants known to be valid.
func mustKey(k Key, err error) Key {
	if err != nil {
		panic(err)
	}
	return k
}

func TestSetIntersectsAnyKey(t *testing.T) {
	// A real Oracle capture carries one UCID in apkt:ucid and another in
	// User-to-User; Genesys may report either.
	var session Set
	session.Add(mustKey(UCID("004762BD69FA4805")))
	session.Add(mustKey(UCID("04FA08004762C169FA480CC8143030303731323532383131373738303130313234")))
	session.Add(mustKey(CallID("wlss-64071c05-73fde93a6638f450@152.190.6.22")))

	tests := map[string]struct {
		event Set
		want  bool
	}{
		"apkt ucid":         {NewSet(mustKey(UCID("004762bd69fa4805"))), true},
		"uui ucid decimal":  {NewSet(mustKey(UCID("00071252811778010124"))), true},
		"other ucid":        {NewSet(mustKey(UCID("0047000169FA480C"))), false},
		"conversation only": {NewSet(mustKey(Conversation("5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"))), false},
		"empty":             {Set{}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := session.Intersects(tt.event); got != tt.want {
				t.Fatalf("Intersects = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSetDedupAndBounds(t *testing.T) {
	var s Set
	k := mustKey(UCID("004762BD69FA4805"))
	if !s.Add(k) || s.Add(k) || s.Add(Key{}) {
		t.Fatal("Add must insert once and refuse zero keys")
	}
	for i := 0; i < 2*MaxSetLen; i++ {
		s.Add(Key{Kind: KindCallID, Value: string(rune('a'+i%26)) + string(rune('0'+i/26))})
	}
	if s.Len() != MaxSetLen {
		t.Fatalf("Len = %d, want cap %d", s.Len(), MaxSetLen)
	}
}

func TestSetJSONRoundTrip(t *testing.T) {
	s := NewSet(
		mustKey(UCID("004762BD69FA4805")),
		mustKey(Conversation("5F1D2C3B-0A9E-4D8F-9B7A-6C5E4D3C2B1A")),
		mustKey(CallID("abc@host")),
	)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `["ucid:004762BD69FA4805","conversation:5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a","call-id:abc@host"]`
	if string(b) != want {
		t.Fatalf("json = %s", b)
	}
	var back Set
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Len() != 3 || !back.Intersects(s) {
		t.Fatalf("round trip = %v", back.Keys())
	}
}

func TestConversation(t *testing.T) {
	if _, err := Conversation("not-a-uuid"); err == nil {
		t.Fatal("want error for non-UUID")
	}
	k := mustKey(Conversation(" 5F1D2C3B-0A9E-4D8F-9B7A-6C5E4D3C2B1A "))
	if k.Value != "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a" {
		t.Fatalf("got %s", k.Value)
	}
}
