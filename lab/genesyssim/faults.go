package genesyssim

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// faults are the failures the simulator is told to inject.
type faults struct {
	dropHeartbeats bool
	rateLimit      int // the next n API requests answer 429
	retryAfter     time.Duration
	failTokens     int // the next n token requests answer 503
	outage         bool
	reject         map[string]string // user id (or "*") → the permission its topic misses
}

// SocketClosing sends v2.system.socket_closing on the socket of a channel
// (every channel if id is empty) and closes it after SocketClosingGrace,
// as Genesys does before maintenance. It returns how many sockets were
// warned.
func (s *Sim) SocketClosing(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ch := range s.liveChannelsLocked() {
		if ch.sock == nil || (id != "" && ch.id != id) {
			continue
		}
		msg, _ := json.Marshal(envelope{TopicName: "v2.system.socket_closing", Version: "2",
			EventBody: map[string]string{"message": "Socket closing for maintenance; reconnect within a minute",
				"channelId": ch.id, "systemTopicType": "socket_closing"},
			Metadata: map[string]string{"CorrelationId": newUUID()}})
		if ch.sock.enqueue(msg) {
			ch.sock.closeAfterLocked(s.cfg.SocketClosingGrace)
			n++
		}
	}
	return n
}

// KillSockets closes the socket of a channel (every channel if id is
// empty) with no warning: a network blip. It returns how many it closed.
func (s *Sim) KillSockets(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ch := range s.channels {
		if ch.sock != nil && (id == "" || ch.id == id) {
			ch.sock.close()
			ch.sock = nil
			n++
		}
	}
	return n
}

// DropHeartbeats stops (or restarts) the heartbeats and the pongs: the
// sockets stay open but silent, as a connection that died quietly.
func (s *Sim) DropHeartbeats(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.dropHeartbeats = on
}

// RateLimit answers the next n API requests 429 with Retry-After
// (rounded up to whole seconds).
func (s *Sim) RateLimit(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rateLimit, s.faults.retryAfter = n, retryAfter
}

// RevokeTokens invalidates every access token issued: the next API
// request of each client gets 401. It returns how many were revoked.
func (s *Sim) RevokeTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.tokens)
	clear(s.tokens)
	return n
}

// FailTokens answers the next n token requests 503.
func (s *Sim) FailTokens(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failTokens = n
}

// DeleteChannel removes a channel, as an eviction or expiry does: its
// socket closes, and HEAD, PUT and new connections answer 404.
func (s *Sim) DeleteChannel(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.channels[id] == nil {
		return fmt.Errorf("%w: %s", ErrUnknownChannel, id)
	}
	s.dropChannelLocked(id)
	return nil
}

// Outage closes every socket and refuses new ones (503) while on; the
// REST API keeps working, and channels keep existing.
func (s *Sim) Outage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.outage = on
	if on {
		for _, ch := range s.channels {
			if ch.sock != nil {
				ch.sock.close()
				ch.sock = nil
			}
		}
	}
}

// RejectTopics makes the topics of userIDs (of every user when none is
// given) fail their subscription for lack of permission. An empty
// permission lifts the fault.
func (s *Sim) RejectTopics(permission string, userIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if permission == "" {
		clear(s.faults.reject)
		return
	}
	if len(userIDs) == 0 {
		userIDs = []string{"*"}
	}
	for _, id := range userIDs {
		s.faults.reject[id] = permission
	}
}

// rejectedLocked reports whether a topic is refused, and for lack of
// which permission.
func (s *Sim) rejectedLocked(topic string) (string, bool) {
	id, ok := strings.CutPrefix(topic, "v2.users.")
	if !ok {
		return "", false
	}
	id, _, _ = strings.Cut(id, ".")
	if p, ok := s.faults.reject[id]; ok {
		return p, true
	}
	p, ok := s.faults.reject["*"]
	return p, ok
}
