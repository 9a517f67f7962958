package genesyssim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/lab/genesyssim"
)

// small puts 10 agents on a channel, so that a few users take several.
func small(c *genesys.Config) { c.MaxTopicsPerChannel = 10 }

// TestScriptedCalls: an inbound call with a UCID in its UUI, held,
// resumed, transferred to an agent on another channel and hung up; an
// outbound call by conversation id; the UUI on an attribute or on the
// agent's call. Exactly the expected events, none lost or doubled.
func TestScriptedCalls(t *testing.T) {
	h := start(t, 25, nil, small)
	h.ready(3, 25)
	a, b, c := h.user(0), h.user(15), h.user(22) // channels 1, 2 and 3

	call, err := h.sim.Inbound(a, genesyssim.InboundOptions{UCID: "004762C169FA480C"})
	if err != nil {
		t.Fatal(err)
	}
	if call.UUI != "04FA08004762C169FA480CC8143030303731323532383131373738303130313234" {
		t.Fatalf("UUI %s", call.UUI)
	}
	h.await("start", has(cti.Start, call.ConversationID))
	// Each step waits for its event, as an agent's actions are seconds
	// apart: agents on different channels reach the tracker on different
	// sockets, which Genesys does not order between them.
	steps := []struct {
		op   func() error
		want cti.Type
	}{
		{func() error { return h.sim.Hold(call.ConversationID) }, cti.Hold},
		{func() error { return h.sim.Resume(call.ConversationID) }, cti.Resume},
		{func() error { return h.sim.Transfer(call.ConversationID, b) }, cti.Start},
		{func() error { return h.sim.Hold(call.ConversationID) }, cti.Hold},
		{func() error { return h.sim.Resume(call.ConversationID) }, cti.Resume},
		{func() error { return h.sim.Disconnect(call.ConversationID) }, cti.End},
	}
	for _, st := range steps {
		n := len(h.rec.all())
		if err := st.op(); err != nil {
			t.Fatal(err)
		}
		h.await("step "+string(st.want), func(evs []cti.Event) bool {
			return len(evs) > n && evs[len(evs)-1].Type == st.want
		})
	}
	ob, err := h.sim.Outbound(c, "0f0e0d0c-0b0a-4908-8706-050403020100")
	if err != nil {
		t.Fatal(err)
	}
	attr, err := h.sim.Inbound(c, genesyssim.InboundOptions{UUIOn: genesyssim.UUIOnAttribute})
	if err != nil {
		t.Fatal(err)
	}
	onAgent, err := h.sim.Inbound(a, genesyssim.InboundOptions{UUIOn: genesyssim.UUIOnAgent})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ob.ConversationID, attr.ConversationID, onAgent.ConversationID} {
		h.do(id, h.sim.Disconnect)
	}
	h.barrier(a, b, c)

	// Events of different conversations may interleave across channels;
	// each conversation's own sequence is exact.
	want := map[string][]brief{
		call.ConversationID: {
			in(cti.Start, call, a), in(cti.Hold, call, a), in(cti.Resume, call, a),
			in(cti.End, call, a), in(cti.Start, call, b), // the transfer
			in(cti.Hold, call, b), in(cti.Resume, call, b), in(cti.End, call, b),
		},
		ob.ConversationID:      {out(cti.Start, ob, c), out(cti.End, ob, c)},
		attr.ConversationID:    {in(cti.Start, attr, c), in(cti.End, attr, c)},
		onAgent.ConversationID: {in(cti.Start, onAgent, a), in(cti.End, onAgent, a)},
	}
	got := map[string][]brief{}
	for _, e := range h.events() {
		got[e.Conv] = append(got[e.Conv], e)
	}
	for conv, w := range want {
		if !equal(got[conv], w) {
			t.Errorf("conversation %s:\n got %s\nwant %s", conv, fmtBriefs(got[conv]), fmtBriefs(w))
		}
	}
	if len(got) != len(want) {
		t.Errorf("events of %d conversations, want %d", len(got), len(want))
	}
	if ob.ConversationID != "0f0e0d0c-0b0a-4908-8706-050403020100" {
		t.Fatalf("outbound id %s", ob.ConversationID)
	}
}

// TestManyAgents: 2,500 agents take three channels (1,000 + 1,000 + 500
// topics), and calls on each channel come through.
func TestManyAgents(t *testing.T) {
	h := start(t, 2500, nil, nil)
	h.ready(3, 2500)
	topics := map[int]bool{}
	for _, ch := range h.sim.Channels() {
		topics[ch.Topics] = true
	}
	if len(h.sim.Channels()) != 3 || !topics[1000] || !topics[500] {
		t.Fatalf("channels %+v", h.sim.Channels())
	}
	var want []brief
	for _, i := range []int{0, 1234, 2499} {
		c := h.inbound(h.user(i))
		want = append(want, in(cti.Start, c, h.user(i)))
	}
	h.barrier(h.user(0), h.user(1234), h.user(2499))
	h.expect(want...)
	if st := h.sim.Stats(); st.TooManyTopics != 0 || st.ChannelsEvicted != 0 || st.UserPages != 25 {
		t.Fatalf("sim stats %+v", st)
	}
}

// TestTokenExpiresMidStream: tokens live one second. Events flow over the
// socket while the token expires; the reads after a reconnect refresh it,
// through a login service that fails twice, and a revoked token is
// replaced on its 401.
func TestTokenExpiresMidStream(t *testing.T) {
	h := start(t, 5, func(c *genesyssim.Config) { c.TokenLife = time.Second }, nil)
	h.ready(1, 5)
	a := h.user(0)
	call := h.inbound(a)
	time.Sleep(1100 * time.Millisecond) // let the token expire in wall time, as Genesys's would
	h.do(call.ConversationID, h.sim.Hold)
	h.await("hold over the socket with an expired token", has(cti.Hold, call.ConversationID))

	// A gap: the resume is missed, and the read after the reconnect needs
	// a new token from a login service that fails twice first.
	h.sim.Outage(true)
	h.do(call.ConversationID, h.sim.Resume)
	h.sim.FailTokens(2)
	h.sim.Outage(false)
	h.await("resume read back", has(cti.Resume, call.ConversationID))

	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.Hold, cti.Resume, cti.End)
	if st := h.sim.Stats(); st.TokensIssued < 2 || st.TokensRefused != 2 {
		t.Fatalf("tokens: %+v", st)
	}
}

// TestTokenRevoked: a revoked token gets 401; the tracker drops it, gets a
// new one and retries, and the read it was making goes through.
func TestTokenRevoked(t *testing.T) {
	h := start(t, 3, nil, nil)
	h.ready(1, 3)
	a := h.user(0)
	call := h.inbound(a)
	issued := h.sim.Stats().TokensIssued
	if n := h.sim.RevokeTokens(); n == 0 {
		t.Fatal("no token to revoke")
	}
	h.sim.Outage(true) // a gap, so that the tracker reads the call back
	h.do(call.ConversationID, h.sim.Hold)
	h.sim.Outage(false)
	h.await("hold read back with a new token", has(cti.Hold, call.ConversationID))
	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.Hold, cti.End)
	if st := h.sim.Stats(); st.Unauthorized != 1 || st.TokensIssued != issued+1 {
		t.Fatalf("tokens: %+v (issued before %d)", st, issued)
	}
}

// TestSocketClosing: v2.system.socket_closing makes the tracker reconnect
// at once; nothing is lost or doubled.
func TestSocketClosing(t *testing.T) {
	h := start(t, 3, nil, nil)
	h.ready(1, 3)
	a := h.user(1)
	call := h.inbound(a)
	opened := h.sim.Stats().SocketsOpened
	if n := h.sim.SocketClosing(""); n != 1 {
		t.Fatalf("warned %d sockets", n)
	}
	h.eventually("reconnect", func() bool { return h.sim.Stats().SocketsOpened == opened+1 })
	h.ready(1, 3)
	h.do(call.ConversationID, h.sim.Hold)
	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.Hold, cti.End)
	if st := h.sim.Stats(); st.ChannelsCreated != 1 {
		t.Fatalf("socket_closing made a new channel: %+v", st)
	}
}

// TestHeartbeatWatchdog: with heartbeats and pongs gone silent, the
// socket is kept for 70 s of (fake) time and reconnected after.
func TestHeartbeatWatchdog(t *testing.T) {
	h := start(t, 3, nil, nil)
	h.ready(1, 3)
	a := h.user(0)
	h.clk.Advance(30 * time.Second) // one heartbeat arrives
	h.eventually("a heartbeat", func() bool { return h.sim.Stats().Heartbeats == 1 })
	h.barrier(a) // the heartbeat was handled: the watchdog counts from it
	h.sim.DropHeartbeats(true)
	opened := h.sim.Stats().SocketsOpened
	h.clk.Advance(69 * time.Second)
	call, err := h.sim.Inbound(a, genesyssim.InboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.barrier(a) // the loop ran after 69 s: no reconnection yet
	if got := h.sim.Stats().SocketsOpened; got != opened {
		t.Fatalf("reconnected before 70 s without a heartbeat (%d sockets)", got)
	}
	h.clk.Advance(2 * time.Second)
	h.eventually("reconnect after 70 s", func() bool { return h.sim.Stats().SocketsOpened == opened+1 })
	h.sim.DropHeartbeats(false)
	h.ready(1, 3)
	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.End)
	if !strings.Contains(h.log.String(), "no heartbeat") {
		t.Fatal("no log line about the missing heartbeat")
	}
}

// TestRateLimited: the API answers 429 with Retry-After: 1; the tracker
// waits it out and carries on.
func TestRateLimited(t *testing.T) {
	h := start(t, 3, func(c *genesyssim.Config) {}, nil)
	h.ready(1, 3)
	a := h.user(0)
	call := h.inbound(a)
	// The read after a gap hits the rate limit twice.
	h.sim.Outage(true)
	h.do(call.ConversationID, h.sim.Hold)
	h.sim.RateLimit(2, time.Second)
	began := time.Now()
	h.sim.Outage(false)
	h.await("hold read back", has(cti.Hold, call.ConversationID))
	if el := time.Since(began); el < 2*time.Second {
		t.Fatalf("read back after %v: Retry-After not honoured", el)
	}
	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.Hold, cti.End)
	if st := h.sim.Stats(); st.RateLimited != 2 {
		t.Fatalf("rate limited %d times", st.RateLimited)
	}
	if !strings.Contains(h.log.String(), "rate limited (429)") {
		t.Fatal("no log line about the rate limit")
	}
}

// TestRejectedTopic: Genesys refuses one agent's topic for a missing
// permission; the tracker says which, clearly, and follows the others.
func TestRejectedTopic(t *testing.T) {
	const perm = "analytics:conversationDetail:view"
	h := start(t, 4, nil, nil)
	h.sim.RejectTopics(perm, h.user(2))
	h.ready(1, 3)
	st := h.tr.Status()
	if st.Channels[0].Rejected != 1 || !strings.Contains(st.LastError, perm) {
		t.Fatalf("status %+v", st)
	}
	line := ""
	for _, l := range strings.Split(h.log.String(), "\n") {
		if strings.Contains(l, "refused") {
			line = l
		}
	}
	for _, want := range []string{"level=ERROR", "refused 1 of 4 topics", "v2.users." + h.user(2) + ".conversations",
		perm + " (Analytics > Conversation Detail > View)", "Missing permissions"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
	ok, err := h.sim.Inbound(h.user(0), genesyssim.InboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.sim.Inbound(h.user(2), genesyssim.InboundOptions{}); err != nil {
		t.Fatal(err)
	}
	h.barrier(h.user(0))
	h.expect(in(cti.Start, ok, h.user(0)))
}

// TestRejectedTopicRetried: Genesys refuses two agents' topics until the
// OAuth client's role gains the permission. The tracker tries them again
// (quickly at first, then at each user refresh; or at each refresh only,
// when it comes sooner), saying so once rather than at each try. Once the
// permission is granted the agents are followed, with no restart, and the
// status shows no refusal.
func TestRejectedTopicRetried(t *testing.T) {
	const (
		perm    = "analytics:conversationDetail:view"
		retries = "cogito_edge_genesys_topic_retries_total"
	)
	tests := []struct {
		name    string
		refresh time.Duration // UserRefresh
	}{
		{"backoff then refresh", genesys.DefaultUserRefresh}, // retries at 30 s, then as they come
		{"refresh only", 20 * time.Second},                   // sooner than the first quick retry
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, 4, nil, func(c *genesys.Config) {
				c.UserRefresh = tt.refresh
				c.HeartbeatTimeout = 48 * time.Hour // this test is about the refused topics, not the watchdog
				c.PingInterval = 48 * time.Hour
			})
			a, b := h.user(2), h.user(3)
			h.sim.RejectTopics(perm, a, b)
			h.ready(1, 2)
			if st := h.tr.Status(); st.Channels[0].Rejected != 2 || !strings.Contains(st.LastError, perm) {
				t.Fatalf("status %+v", st)
			}

			// Still refused: a first retry after 30 s, then at the refresh.
			h.clk.Advance(30 * time.Second)
			h.eventually("a first retry", func() bool { return h.counter(retries, "result", "rejected") == 1 })
			h.clk.Advance(tt.refresh)
			h.eventually("a retry at the refresh", func() bool { return h.counter(retries, "result", "rejected") >= 2 })
			if st := h.tr.Status(); st.Channels[0].Rejected != 2 || st.Users != 4 {
				t.Fatalf("status %+v", st)
			}
			refusals := 0
			for _, l := range strings.Split(h.log.String(), "\n") {
				if strings.Contains(l, "component=genesys") && strings.Contains(l, "refused 2 of 4 topics") {
					refusals++
				}
			}
			if refusals != 1 {
				t.Fatalf("the refusal was logged %d times, want once", refusals)
			}

			// The role is fixed; the next refresh subscribes them.
			h.sim.RejectTopics("")
			h.clk.Advance(tt.refresh)
			h.ready(1, 4)
			st := h.tr.Status()
			if st.Channels[0].Rejected != 0 || st.Channels[0].Topics != 4 || strings.Contains(st.LastError, "refused") {
				t.Fatalf("status %+v", st)
			}
			if n := h.counter(retries, "result", "accepted"); n != 1 {
				t.Fatalf("%s{result=accepted} = %v, want 1", retries, n)
			}
			for _, u := range []string{a, b} {
				if subs := h.sim.Subscribers("v2.users." + u + ".conversations"); len(subs) != 1 {
					t.Fatalf("formerly refused agent %s subscribed on %v", u, subs)
				}
			}
			if !strings.Contains(h.log.String(), "every topic is accepted now") {
				t.Fatal("no log line about the recovery")
			}
			call := h.inbound(a)
			h.do(call.ConversationID, h.sim.Hold)
			h.hangUp(call, a)
			h.expectCall(call, a, cti.Start, cti.Hold, cti.End)
		})
	}
}

// TestChannelDeleted: the channel disappears (as an eviction or expiry
// does); the tracker makes a new one, subscribes it and reads back what it
// missed.
func TestChannelDeleted(t *testing.T) {
	h := start(t, 3, nil, nil)
	h.ready(1, 3)
	a := h.user(2)
	call := h.inbound(a)
	old := h.sim.Channels()[0].ID
	if err := h.sim.DeleteChannel(old); err != nil {
		t.Fatal(err)
	}
	h.do(call.ConversationID, h.sim.Hold) // missed: no channel
	h.eventually("a new channel", func() bool {
		chs := h.sim.Channels()
		return len(chs) == 1 && chs[0].ID != old && chs[0].Topics == 3 && chs[0].Connected
	})
	h.await("hold read back", has(cti.Hold, call.ConversationID))
	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.Hold, cti.End)
	if st := h.tr.Status(); len(st.Channels) != 1 || st.Channels[0].ID == old {
		t.Fatalf("status %+v", st)
	}
}

// TestRenewalOverlap: before the 24 h expiry the channel is replaced: the
// new one is subscribed and connected before the old one goes, and what
// both deliver meanwhile is emitted once.
func TestRenewalOverlap(t *testing.T) {
	h := start(t, 4, nil, func(c *genesys.Config) {
		c.HeartbeatTimeout = 48 * time.Hour // this test is about renewal, not the watchdog
		c.PingInterval = 48 * time.Hour
	})
	h.ready(1, 4)
	a := h.user(3)
	topic := "v2.users." + a + ".conversations"
	call := h.inbound(a)
	old := h.sim.Channels()[0].ID
	h.clk.Advance(23*time.Hour + time.Second)
	h.eventually("two channels on the topic", func() bool { return len(h.sim.Subscribers(topic)) == 2 })
	// Both channels deliver these: each must be emitted once.
	h.do(call.ConversationID, h.sim.Hold, h.sim.Resume, h.sim.Hold)
	h.barrier(a)
	h.clk.Advance(time.Minute) // the overlap ends
	h.eventually("the old channel dropped", func() bool {
		subs := h.sim.Subscribers(topic)
		return len(subs) == 1 && subs[0] != old
	})
	h.do(call.ConversationID, h.sim.Resume)
	h.hangUp(call, a)
	h.expectCall(call, a, cti.Start, cti.Hold, cti.Resume, cti.Hold, cti.Resume, cti.End)
	if st := h.sim.Stats(); st.ChannelsCreated != 2 || st.ChannelsEvicted != 0 {
		t.Fatalf("sim stats %+v", st)
	}
	if !strings.Contains(h.log.String(), "reason=renewal") {
		t.Fatal("no log line about the renewal")
	}
}

// TestReconcileAfterGap: changes made while the socket was down are read
// back after the reconnect and emitted: a hold on one call, the end of
// another, a resume that arrives live after.
func TestReconcileAfterGap(t *testing.T) {
	h := start(t, 4, nil, nil)
	h.ready(1, 4)
	a, b := h.user(0), h.user(1)
	c1, err := h.sim.Inbound(a, genesyssim.InboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := h.sim.Outbound(b, "")
	if err != nil {
		t.Fatal(err)
	}
	h.await("starts", func(evs []cti.Event) bool {
		return has(cti.Start, c1.ConversationID)(evs) && has(cti.Start, c2.ConversationID)(evs)
	})
	h.sim.Outage(true)
	h.do(c1.ConversationID, h.sim.Hold)
	h.do(c2.ConversationID, h.sim.Disconnect)
	if st := h.sim.Stats(); st.Dropped == 0 {
		t.Fatalf("the gap's notifications were delivered: %+v", st)
	}
	h.sim.Outage(false)
	h.await("read back", func(evs []cti.Event) bool {
		return has(cti.Hold, c1.ConversationID)(evs) && has(cti.End, c2.ConversationID)(evs)
	})
	h.do(c1.ConversationID, h.sim.Resume, h.sim.Disconnect)
	h.barrier(a, b)
	got := map[string][]brief{}
	for _, e := range h.events() {
		got[e.Conv] = append(got[e.Conv], e)
	}
	if w := []brief{in(cti.Start, c1, a), in(cti.Hold, c1, a), in(cti.Resume, c1, a), in(cti.End, c1, a)}; !equal(got[c1.ConversationID], w) {
		t.Errorf("call 1:\n got %s\nwant %s", fmtBriefs(got[c1.ConversationID]), fmtBriefs(w))
	}
	if w := []brief{out(cti.Start, c2, b), out(cti.End, c2, b)}; !equal(got[c2.ConversationID], w) {
		t.Errorf("call 2:\n got %s\nwant %s", fmtBriefs(got[c2.ConversationID]), fmtBriefs(w))
	}
}

// TestUserRefresh: new agents are subscribed and removed ones dropped at
// the next refresh.
func TestUserRefresh(t *testing.T) {
	h := start(t, 12, nil, small)
	h.ready(2, 12)
	gone := h.user(3)
	if err := h.sim.RemoveUser(gone); err != nil {
		t.Fatal(err)
	}
	added := h.sim.AddUsers(2)
	h.clk.Advance(genesys.DefaultUserRefresh)
	h.eventually("refreshed", func() bool { return h.tr.Status().Users == 13 })
	h.ready(2, 13)
	if subs := h.sim.Subscribers("v2.users." + gone + ".conversations"); len(subs) != 0 {
		t.Fatalf("removed agent still subscribed on %v", subs)
	}
	c, err := h.sim.Inbound(added[1].ID, genesyssim.InboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.barrier(added[1].ID)
	h.expect(in(cti.Start, c, added[1].ID))
}

// TestTooManyAgents: past MaxChannels × MaxTopicsPerChannel the tracker
// follows as many as fit and says so, rather than create a channel that
// would evict one of its own.
func TestTooManyAgents(t *testing.T) {
	h := start(t, 8, func(c *genesyssim.Config) { c.MaxChannels = 2; c.MaxTopics = 3 }, func(c *genesys.Config) {
		c.MaxChannels, c.MaxTopicsPerChannel = 2, 3
	})
	h.ready(2, 6)
	st := h.tr.Status()
	if st.Users != 6 || st.Untracked != 2 || !strings.Contains(st.LastError, "2 agents are NOT followed") {
		t.Fatalf("status %+v", st)
	}
	if s := h.sim.Stats(); s.ChannelsEvicted != 0 || s.ChannelsCreated != 2 {
		t.Fatalf("sim %+v", s)
	}
	if !strings.Contains(h.log.String(), genesys.ErrTooManyAgents.Error()) {
		t.Fatal("no log line about the limit")
	}
}

func equal(a, b []brief) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
