package gate

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// observed records what an Observer is told, as "state[keys]" lines.
type observed struct {
	mu  sync.Mutex
	log []string
}

func (o *observed) observe(s Snapshot) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var keys []string
	for _, k := range s.Keys.Keys() {
		keys = append(keys, k.Kind.String())
	}
	o.log = append(o.log, s.ID+":"+string(s.State)+"["+strings.Join(keys, ",")+"]")
}

func (o *observed) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.log, " ")
}

func TestObserver(t *testing.T) {
	tests := map[string]struct {
		run  func(t *testing.T, tg *testGate)
		want string
	}{
		"offer then SIP hangs up": {
			run: func(t *testing.T, tg *testGate) {
				s, _ := tg.offer(t, "s1", ucidKey(ucidHex))
				s.Close("bye")
			},
			want: "s1:pending[ucid] s1:ended[ucid]",
		},
		"keys learned later": {
			run: func(t *testing.T, tg *testGate) {
				s, _ := tg.offer(t, "s1", ucidKey(ucidHex))
				s.UpdateKeys(callkey.NewSet(ucidKey(ucidHex))) // nothing new: no call
				s.UpdateKeys(callkey.NewSet(convKey(conv1)))
			},
			want: "s1:pending[ucid] s1:pending[ucid,conversation]",
		},
		"start teaches keys, then hold and resume": {
			run: func(t *testing.T, tg *testGate) {
				tg.offer(t, "s1", ucidKey(ucidHex))
				e := ucidEvent(cti.Start, ucidHex, "a1")
				e.ConversationID = conv1
				tg.deliver(t, e)
				tg.deliver(t, ucidEvent(cti.Hold, ucidHex, "a1"))
				tg.deliver(t, ucidEvent(cti.Hold, ucidHex, "a1")) // ignored: no call
				tg.deliver(t, ucidEvent(cti.Resume, ucidHex, "a1"))
			},
			want: "s1:pending[ucid] s1:pending[ucid,conversation] s1:active[ucid,conversation] " +
				"s1:held[ucid,conversation] s1:active[ucid,conversation]",
		},
		"cached start replayed on offer": {
			run: func(t *testing.T, tg *testGate) {
				tg.deliver(t, ev(cti.Start, "a1"))
				tg.offer(t, "s1", convKey(conv1))
			},
			want: "s1:pending[conversation] s1:active[conversation]",
		},
		"match timeout with bye": {
			run: func(t *testing.T, tg *testGate) {
				tg.offer(t, "s1", ucidKey(ucidHex))
				tg.clock.Advance(time.Minute)
				tg.settle()
			},
			want: "s1:pending[ucid] s1:unmatched[ucid] s1:ended[ucid]",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tg := newTestGate(t, Config{MatchTimeout: 30 * time.Second, OnTimeout: Bye})
			var o observed
			tg.SetObserver(o.observe)
			tt.run(t, tg)
			tg.settle()
			if got := o.String(); got != tt.want {
				t.Errorf("observed\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

func TestObserverRemoved(t *testing.T) {
	tg := newTestGate(t, Config{})
	var o observed
	tg.SetObserver(o.observe)
	s, _ := tg.offer(t, "s1", ucidKey(ucidHex))
	tg.SetObserver(nil)
	s.Close("bye")
	if got, want := o.String(), "s1:pending[ucid]"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}

// TestSnapshotAgentsAndConversation: a start matched by UCID that carries
// the conversation id teaches the session that key, and a transfer (end,
// then a start for another agent within the grace) makes the new agent
// the session's agent and adds it to the agents list with its time.
func TestSnapshotAgentsAndConversation(t *testing.T) {
	tests := map[string]struct {
		events     []cti.Event
		wantAgent  string
		wantAgents []string
	}{
		"one agent": {
			events:    []cti.Event{{Type: cti.Start, UCID: ucidHex, ConversationID: conv1, AgentID: "agent-a"}},
			wantAgent: "agent-a", wantAgents: []string{"agent-a"},
		},
		"transfer in grace": {
			events: []cti.Event{
				{Type: cti.Start, UCID: ucidHex, ConversationID: conv1, AgentID: "agent-a"},
				{Type: cti.End, ConversationID: conv1, AgentID: "agent-a"},
				{Type: cti.Start, ConversationID: conv1, AgentID: "agent-b"},
			},
			wantAgent: "agent-b", wantAgents: []string{"agent-a", "agent-b"},
		},
		"same agent again is one turn": {
			events: []cti.Event{
				{Type: cti.Start, UCID: ucidHex, ConversationID: conv1, AgentID: "agent-a"},
				{Type: cti.End, ConversationID: conv1},
				{Type: cti.Start, ConversationID: conv1, AgentID: "agent-a"},
			},
			wantAgent: "agent-a", wantAgents: []string{"agent-a"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tg := newTestGate(t, Config{EndGrace: 10 * time.Second})
			s, _ := tg.offer(t, "s1", ucidKey(ucidHex))
			var since []time.Time
			for _, e := range tc.events {
				tg.clock.Advance(time.Second)
				since = append(since, tg.clock.Now())
				tg.deliver(t, e)
				tg.settle()
			}
			snap := s.Snapshot()
			if !snap.Keys.Has(convKey(conv1)) || !snap.Keys.Has(ucidKey(ucidHex)) {
				t.Errorf("keys %v lack the start's conversation id or the UCID", snap.Keys.Keys())
			}
			if snap.AgentID != tc.wantAgent {
				t.Errorf("agent %q, want %q", snap.AgentID, tc.wantAgent)
			}
			got := make([]string, len(snap.Agents))
			for i, a := range snap.Agents {
				got[i] = a.AgentID
			}
			if !slices.Equal(got, tc.wantAgents) {
				t.Fatalf("agents %v, want %v", got, tc.wantAgents)
			}
			if last := snap.Agents[len(snap.Agents)-1]; len(tc.wantAgents) > 1 && !last.Since.Equal(since[len(since)-1]) {
				t.Errorf("last agent since %v, want %v (the transfer's start)", last.Since, since[len(since)-1])
			}
		})
	}
}
