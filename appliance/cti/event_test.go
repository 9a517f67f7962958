package cti

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) }
	tests := map[string]struct {
		in      string
		wantErr bool
		keys    int
	}{
		"start by ucid":       {`{"type":"start","ucid":"00071252811778010124","direction":"inbound","at":"2026-11-25T01:00:00Z"}`, false, 1},
		"start by uui":        {`{"type":"start","uui":"04FA08004762C169FA480CC8143030303731323532383131373738303130313234"}`, false, 1},
		"outbound by conv":    {`{"type":"start","conversation_id":"5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a","direction":"outbound"}`, false, 1},
		"ucid and uui same":   {`{"type":"end","ucid":"004762C169FA480C","uui":"04FA08004762C169FA480C"}`, false, 1},
		"unknown type":        {`{"type":"ring","ucid":"004762C169FA480C"}`, true, 0},
		"unknown field":       {`{"type":"start","ucid":"004762C169FA480C","extra":1}`, true, 0},
		"no key":              {`{"type":"start","agent_id":"a"}`, true, 0},
		"bad direction":       {`{"type":"start","ucid":"004762C169FA480C","direction":"sideways"}`, true, 0},
		"bad conversation id": {`{"type":"start","conversation_id":"nope"}`, true, 0},
		"trailing data":       {`{"type":"start","ucid":"004762C169FA480C"} {}`, true, 0},
		"not json":            {`<xml/>`, true, 0},
		"oversized":           {`{"type":"start","uui":"` + strings.Repeat("A", MaxEventSize) + `"}`, true, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e, err := Decode(strings.NewReader(tt.in), now)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Keys().Len(); got != tt.keys {
				t.Fatalf("keys = %d, want %d", got, tt.keys)
			}
			if e.At.IsZero() {
				t.Fatal("At not set")
			}
		})
	}
}
