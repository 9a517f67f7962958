package genesys

import (
	"strings"
	"testing"
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
