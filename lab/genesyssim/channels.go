package genesyssim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// channel is one notification channel.
type channel struct {
	id       string
	created  time.Time // on the sim's clock, as the times below
	lastUsed time.Time
	expires  time.Time
	topics   map[string]bool
	sock     *socket // the one connection a channel has, or nil
}

// ChannelInfo is a channel as the simulator's API shows it.
type ChannelInfo struct {
	ID        string    `json:"id"`
	Topics    int       `json:"topics"`
	Connected bool      `json:"connected"`
	Expires   time.Time `json:"expires"`
}

// Channels lists the live channels, oldest first.
func (s *Sim) Channels() []ChannelInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ChannelInfo
	for _, ch := range s.liveChannelsLocked() {
		out = append(out, ChannelInfo{ID: ch.id, Topics: len(ch.topics), Connected: ch.sock != nil, Expires: ch.expires})
	}
	return out
}

// Subscribers lists the channels subscribed to a topic that have a socket.
func (s *Sim) Subscribers(topic string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ch := range s.liveChannelsLocked() {
		if ch.sock != nil && ch.topics[topic] {
			out = append(out, ch.id)
		}
	}
	return out
}

// liveChannelsLocked returns the channels not expired, oldest first, and
// forgets the expired ones.
func (s *Sim) liveChannelsLocked() []*channel {
	now := s.clock.Now()
	var out []*channel
	for id, ch := range s.channels {
		if !now.Before(ch.expires) {
			s.dropChannelLocked(id)
			continue
		}
		out = append(out, ch)
	}
	slices.SortFunc(out, func(a, b *channel) int { return a.created.Compare(b.created) })
	return out
}

// channelLocked returns a live channel, or nil.
func (s *Sim) channelLocked(id string) *channel {
	ch := s.channels[id]
	if ch == nil {
		return nil
	}
	if !s.clock.Now().Before(ch.expires) {
		s.dropChannelLocked(id)
		return nil
	}
	return ch
}

// dropChannelLocked deletes a channel and closes its socket.
func (s *Sim) dropChannelLocked(id string) {
	ch := s.channels[id]
	if ch == nil {
		return
	}
	delete(s.channels, id)
	if ch.sock != nil {
		ch.sock.close()
		ch.sock = nil
	}
}

// evictLocked makes room for one more channel as Genesys does: the least
// recently used channel goes, those without a connection first.
func (s *Sim) evictLocked() {
	live := s.liveChannelsLocked()
	if len(live) < s.cfg.MaxChannels {
		return
	}
	var victim *channel
	for _, unconnected := range []bool{true, false} {
		for _, ch := range live {
			if unconnected && ch.sock != nil {
				continue
			}
			if victim == nil || ch.lastUsed.Before(victim.lastUsed) {
				victim = ch
			}
		}
		if victim != nil {
			break
		}
	}
	s.stats.ChannelsEvicted++
	s.log.Info("genesyssim: channel limit reached; evicting the least recently used channel", "channel", victim.id)
	s.dropChannelLocked(victim.id)
}

// handleCreateChannel is POST /api/v2/notifications/channels.
func (s *Sim) handleCreateChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.evictLocked()
	now := s.clock.Now()
	id := fmt.Sprintf("streaming-%d-%s", s.chanSeq%10, randomID())
	s.chanSeq++
	ch := &channel{id: id, created: now, lastUsed: now, expires: now.Add(s.cfg.ChannelLife), topics: make(map[string]bool)}
	s.channels[id] = ch
	s.stats.ChannelsCreated++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, channelJSON(r, ch))
}

func channelJSON(r *http.Request, ch *channel) map[string]any {
	return map[string]any{
		"connectUri": "ws://" + r.Host + "/channels/" + ch.id,
		"id":         ch.id,
		"expires":    ch.expires.UTC().Format(timeFormat),
	}
}

// handleListChannels is GET /api/v2/notifications/channels.
func (s *Sim) handleListChannels(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ents := []map[string]any{}
	for _, ch := range s.liveChannelsLocked() {
		ents = append(ents, channelJSON(r, ch))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"entities": ents})
}

// handleHeadChannel is HEAD /api/v2/notifications/channels/{id}: 200 if
// the channel exists, 404 if not.
func (s *Sim) handleHeadChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.channelLocked(r.PathValue("id")) != nil
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handleGetSubscriptions is GET .../subscriptions.
func (s *Sim) handleGetSubscriptions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ch := s.channelLocked(r.PathValue("id"))
	var topics []string
	if ch != nil {
		for t := range ch.topics {
			topics = append(topics, t)
		}
	}
	s.mu.Unlock()
	if ch == nil {
		writeError(w, http.StatusNotFound, "not.found", "channel not found")
		return
	}
	slices.Sort(topics)
	ents := make([]map[string]string, len(topics))
	for i, t := range topics {
		ents[i] = map[string]string{"id": t, "state": "Permitted"}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entities": ents})
}

// handlePutSubscriptions is PUT .../subscriptions: the body replaces the
// channel's topics. More than MaxTopics is a 400. A topic refused by the
// reject-topics fault is answered Rejected with missingPermissions when
// ignoreErrors=true, or fails the request with 403 otherwise.
// Subscribing again extends the channel's life.
func (s *Sim) handlePutSubscriptions(w http.ResponseWriter, r *http.Request) {
	var body []struct {
		ID string `json:"id"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil || json.Unmarshal(b, &body) != nil {
		writeError(w, http.StatusBadRequest, "bad.request", "the body must be a JSON array of {\"id\": topic}")
		return
	}
	ignore := r.URL.Query().Get("ignoreErrors") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Subscriptions++
	ch := s.channelLocked(r.PathValue("id"))
	if ch == nil {
		writeError(w, http.StatusNotFound, "not.found", "channel not found")
		return
	}
	if len(body) > s.cfg.MaxTopics {
		s.stats.TooManyTopics++
		writeError(w, http.StatusBadRequest, "bad.request",
			fmt.Sprintf("A channel may have at most %d topics; %d were requested", s.cfg.MaxTopics, len(body)))
		return
	}
	topics := make(map[string]bool, len(body))
	ents := make([]map[string]any, 0, len(body))
	var refused []string
	for _, t := range body {
		if perm, rejected := s.rejectedLocked(t.ID); rejected {
			refused = append(refused, t.ID)
			ents = append(ents, map[string]any{"id": t.ID, "state": "Rejected",
				"rejectionReason": "Missing permissions", "missingPermissions": []string{perm}})
			continue
		}
		topics[t.ID] = true
		ents = append(ents, map[string]any{"id": t.ID, "state": "Permitted"})
	}
	if len(refused) > 0 && !ignore {
		writeError(w, http.StatusForbidden, "missing.permissions",
			fmt.Sprintf("Unable to subscribe to %s: missing permissions", strings.Join(refused, ", ")))
		return
	}
	now := s.clock.Now()
	ch.topics, ch.lastUsed, ch.expires = topics, now, now.Add(s.cfg.ChannelLife)
	writeJSON(w, http.StatusOK, map[string]any{"entities": ents})
}

// handleDeleteSubscriptions is DELETE .../subscriptions.
func (s *Sim) handleDeleteSubscriptions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ch := s.channelLocked(r.PathValue("id"))
	if ch != nil {
		ch.topics = make(map[string]bool)
	}
	s.mu.Unlock()
	if ch == nil {
		writeError(w, http.StatusNotFound, "not.found", "channel not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// randomID is the random part of a channel id.
func randomID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [26]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
