package genesys

import (
	"strings"
	"testing"
	"time"
)

func TestCheckTopics(t *testing.T) {
	asked := []string{userTopic("a"), userTopic("b"), userTopic("c")}
	res := []topicResult{
		{ID: userTopic("a"), State: "Permitted"},
		{ID: userTopic("b"), State: "Rejected", RejectionReason: "Missing permissions",
			MissingPermissions: []string{"analytics:conversationDetail:view"}},
		{ID: userTopic("c"), State: "SomethingNew"},
	}
	rejected, groups := checkTopics(asked, res)
	if len(rejected) != 1 || !rejected[userTopic("b")] || len(groups) != 1 {
		t.Fatalf("rejected %v groups %+v", rejected, groups)
	}
	msg := groups[0].message(len(asked))
	for _, want := range []string{"refused 1 of 3 topics", userTopic("b"), "Missing permissions",
		"analytics:conversationDetail:view (Analytics > Conversation Detail > View)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// A topic the answer leaves out was not subscribed.
	rejected, _ = checkTopics(asked, res[:1])
	if len(rejected) != 2 {
		t.Fatalf("omitted topics: %v", rejected)
	}
	// No entities at all (an older API): nothing is known to be refused.
	if rejected, _ = checkTopics(asked, nil); len(rejected) != 0 {
		t.Fatalf("empty answer: %v", rejected)
	}
}

func TestPermissionLabel(t *testing.T) {
	for in, want := range map[string]string{
		"analytics:conversationDetail:view": "Analytics > Conversation Detail > View",
		"conversation:communication:view":   "Conversation > Communication > View",
		"x":                                 "X",
	} {
		if got := PermissionLabel(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestRefusedRetry(t *testing.T) {
	tests := []struct {
		n       int
		refresh time.Duration
		want    time.Duration
		ok      bool
	}{
		{0, 5 * time.Minute, 30 * time.Second, true},
		{1, 5 * time.Minute, time.Minute, true},
		{3, 5 * time.Minute, 4 * time.Minute, true},
		{4, 5 * time.Minute, 8 * time.Minute, false}, // the refresh comes first
		{40, 5 * time.Minute, 8 * time.Minute, false},
		{0, 20 * time.Second, 30 * time.Second, false},
	}
	for _, tt := range tests {
		d, ok := refusedRetry(tt.n, tt.refresh)
		if d != tt.want || ok != tt.ok {
			t.Errorf("refusedRetry(%d, %v) = %v, %v; want %v, %v", tt.n, tt.refresh, d, ok, tt.want, tt.ok)
		}
	}
}
