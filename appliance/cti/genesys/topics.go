package genesys

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Topic states of a subscriptions response (ChannelTopic.state).
const (
	statePermitted = "permitted"
	stateRejected  = "rejected"
)

// topicRejection groups the topics Genesys refused for one reason.
type topicRejection struct {
	reason  string
	perms   []string
	example string
	count   int
}

// checkTopics reads a subscriptions response: which topics Genesys
// refused (state Rejected, or any missingPermissions) and why, grouped by
// reason. Unknown states are tolerated as permitted; a topic we asked for
// that the response omits is counted as refused.
func checkTopics(asked []string, res []topicResult) (rejected map[string]bool, groups []topicRejection) {
	rejected = make(map[string]bool)
	byKey := make(map[string]*topicRejection)
	add := func(topic, reason string, perms []string) {
		rejected[topic] = true
		key := reason + "\x00" + strings.Join(perms, ",")
		g := byKey[key]
		if g == nil {
			g = &topicRejection{reason: reason, perms: perms, example: topic}
			byKey[key] = g
		}
		g.count++
	}
	got := make(map[string]bool, len(res))
	for _, r := range res {
		got[r.ID] = true
		if strings.EqualFold(r.State, stateRejected) || len(r.MissingPermissions) > 0 {
			perms := slices.Clone(r.MissingPermissions)
			slices.Sort(perms)
			add(r.ID, r.RejectionReason, perms)
		}
	}
	if len(res) > 0 {
		for _, t := range asked {
			if !got[t] {
				add(t, "not in Genesys's answer", nil)
			}
		}
	}
	for _, k := range sortedKeys(byKey) {
		groups = append(groups, *byKey[k])
	}
	return rejected, groups
}

// message is the log line and status of a rejection: which permission is
// missing, as the permission string and as the Genesys admin UI names it.
func (g topicRejection) message(total int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Genesys refused %d of %d topics (such as %s)", g.count, total, g.example)
	if g.reason != "" {
		fmt.Fprintf(&b, ": %s", g.reason)
	}
	if len(g.perms) > 0 {
		labels := make([]string, len(g.perms))
		for i, p := range g.perms {
			labels[i] = fmt.Sprintf("%s (%s)", p, PermissionLabel(p))
		}
		fmt.Fprintf(&b, "; the OAuth client's role is missing permission %s: add it to the role in Admin > Roles/Permissions", strings.Join(labels, ", "))
	}
	return b.String()
}

// PermissionLabel renders a permission string the way the Genesys admin
// UI shows it: "analytics:conversationDetail:view" is
// "Analytics > Conversation Detail > View".
func PermissionLabel(perm string) string {
	parts := strings.Split(perm, ":")
	for i, p := range parts {
		parts[i] = words(p)
	}
	return strings.Join(parts, " > ")
}

// words splits camelCase into capitalised words: conversationDetail is
// "Conversation Detail".
func words(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case i == 0:
			b.WriteRune(unicode.ToUpper(r))
		case unicode.IsUpper(r):
			b.WriteByte(' ')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
