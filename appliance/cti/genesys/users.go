package genesys

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// applyUsers makes the shards follow exactly ids: removed agents leave
// their shard, new ones fill the shards with room, in order, and new
// shards start when all are full, up to MaxChannels. Agents beyond that
// are not followed, and said so loudly. The other shards subscribe the
// topics Genesys refused again.
func (t *Tracker) applyUsers(ctx context.Context, ids []string, wg *sync.WaitGroup) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	t.mu.Lock()
	changed := make(map[*shard]bool)
	var fresh []*shard
	removed := 0
	for u, sh := range t.byUser {
		if !want[u] {
			delete(t.byUser, u)
			delete(sh.members, u)
			changed[sh] = true
			removed++
		}
	}
	added, over := 0, 0
	for _, u := range ids {
		if t.byUser[u] != nil {
			continue
		}
		var sh *shard
		for _, s := range t.shards {
			if len(s.members) < t.cfg.MaxTopicsPerChannel {
				sh = s
				break
			}
		}
		if sh == nil {
			if len(t.shards) >= t.cfg.MaxChannels {
				over++
				continue
			}
			sh = newShard(t, len(t.shards))
			t.shards = append(t.shards, sh)
			fresh = append(fresh, sh)
		}
		sh.members[u] = true
		t.byUser[u] = sh
		changed[sh] = true
		added++
	}
	t.loaded = true
	t.untracked = over
	users := len(t.byUser)
	topics := make(map[*shard][]string, len(changed))
	for sh := range changed {
		topics[sh] = sh.topicsLocked()
	}
	t.mu.Unlock()

	for sh, tl := range topics {
		sh.setTopics(tl)
	}
	t.retryRefused(changed)
	for _, sh := range fresh {
		wg.Go(func() { sh.run(ctx) })
	}
	t.m.users.Set(float64(users))
	t.m.untracked.Set(float64(over))
	if added > 0 || removed > 0 {
		t.log.Info("genesys: agents followed", "users", users, "added", added, "removed", removed, "channels", len(t.shards))
	}
	if over > 0 {
		err := fmt.Errorf("%w: %d agents need more than %d channels of %d topics; %d agents are NOT followed "+
			"(Genesys allows %d channels per user and OAuth client, and a %dth would evict one of the others): "+
			"split the agents across OAuth clients or appliances",
			ErrTooManyAgents, len(ids), t.cfg.MaxChannels, t.cfg.MaxTopicsPerChannel, over, MaxChannels, MaxChannels+1)
		t.setError(err)
		t.log.Error(err.Error())
	}
	t.updateGauges()
}

// topicsLocked lists the shard's topics in a stable order; the tracker's
// mu is held.
func (s *shard) topicsLocked() []string {
	ids := make([]string, 0, len(s.members))
	for u := range s.members {
		ids = append(ids, u)
	}
	slices.Sort(ids)
	topics := make([]string, len(ids))
	for i, u := range ids {
		topics[i] = userTopic(u)
	}
	return topics
}

// updateGauges sets the channel and topic gauges from the shards.
func (t *Tracker) updateGauges() {
	t.mu.Lock()
	shards := append([]*shard(nil), t.shards...)
	t.mu.Unlock()
	var connected, topics, rejected int
	for _, s := range shards {
		st := s.status()
		if st.Connected {
			connected++
		}
		topics += st.Topics
		rejected += st.Rejected
	}
	t.m.channels.Set(float64(t.slots.used.Load()))
	t.m.connected.Set(float64(connected))
	t.m.topics.Set(float64(topics))
	t.m.rejected.Set(float64(rejected))
}
