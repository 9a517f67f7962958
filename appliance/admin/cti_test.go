package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

func TestPostCTI(t *testing.T) {
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	const ok = `{"type":"start","ucid":"004762C169FA480C","direction":"inbound"}`
	tests := map[string]struct {
		ctype   string
		body    string
		result  any
		err     error
		code    int
		resp    string // the body contains this
		handled bool   // the handler saw the event
	}{
		"matched":        {"application/json", ok, map[string]int{"matched": 1}, nil, 202, `{"matched":1}`, true},
		"cached":         {"application/json; charset=utf-8", ok, map[string]bool{"cached": true}, nil, 202, `{"cached":true}`, true},
		"nil result":     {"application/json", ok, nil, nil, 202, `{}`, true},
		"with at":        {"application/json", `{"type":"end","conversation_id":"5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a","at":"2026-11-25T00:59:00Z"}`, nil, nil, 202, `{}`, true},
		"unknown field":  {"application/json", `{"type":"start","ucid":"004762C169FA480C","colour":"red"}`, nil, nil, 400, `unknown field \"colour\"`, false},
		"no key":         {"application/json", `{"type":"start","agent_id":"a1"}`, nil, nil, 400, "no conversation_id, ucid or uui", false},
		"bad type":       {"application/json", `{"type":5,"ucid":"004762C169FA480C"}`, nil, nil, 400, "cannot unmarshal number", false},
		"unknown event":  {"application/json", `{"type":"ring","ucid":"004762C169FA480C"}`, nil, nil, 400, `type \"ring\"`, false},
		"bad ucid":       {"application/json", `{"type":"start","ucid":"xyz"}`, nil, nil, 400, "ucid", false},
		"not json":       {"application/json", `type=start`, nil, nil, 400, "invalid", false},
		"empty":          {"application/json", ``, nil, nil, 400, "EOF", false},
		"trailing":       {"application/json", ok + ok, nil, nil, 400, "trailing", false},
		"oversize":       {"application/json", `{"type":"start","uui":"` + strings.Repeat("A", cti.MaxEventSize) + `"}`, nil, nil, 400, "larger than 16384 bytes", false},
		"form post":      {"application/x-www-form-urlencoded", ok, nil, nil, 415, "application/json", false},
		"no type":        {"", ok, nil, nil, 415, "application/json", false},
		"text plain":     {"text/plain", ok, nil, nil, 415, "", false},
		"gate invalid":   {"application/json", ok, nil, fmt.Errorf("gate.Deliver: %w", cti.ErrInvalid), 400, "invalid event", true},
		"gate closed":    {"application/json", ok, nil, errors.New("gate: closed"), 503, `"error":"gate: closed"`, true},
		"gate cancelled": {"application/json", ok, nil, context.Canceled, 503, "canceled", true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var got *cti.Event
			s := newTestServer(t, Deps{
				Now: func() time.Time { return now },
				CTI: func(ctx context.Context, ev cti.Event) (any, error) {
					got = &ev
					return tt.result, tt.err
				},
			})
			w := do(s.Handler(), "POST", "/v1/cti", "", tt.ctype, tt.body)
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.resp) {
				t.Fatalf("got %d %s, want %d containing %s", w.Code, w.Body, tt.code, tt.resp)
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Fatalf("body is not JSON: %s", w.Body)
			}
			if tt.handled != (got != nil) {
				t.Fatalf("handler called = %v", got != nil)
			}
			if got != nil && got.At.IsZero() {
				t.Fatal("event without a time")
			}
			if name == "matched" && !got.At.Equal(now) {
				t.Fatalf("At = %v, want the injected now", got.At)
			}
		})
	}
}

func TestPostCTIDisabled(t *testing.T) {
	s := newTestServer(t, Deps{})
	w := do(s.Handler(), "POST", "/v1/cti", "", "application/json", `{"type":"start","ucid":"004762C169FA480C"}`)
	if w.Code != 404 || !strings.Contains(w.Body.String(), `cti.source does not include \"api\"`) {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}
