package genesys

import (
	"context"
	"errors"
	"sync"
	"time"
)

// channelLife is how long Genesys keeps a channel when it does not say.
const channelLife = 24 * time.Hour

// shard follows up to MaxTopicsPerChannel agents on one notification
// channel at a time, and keeps that channel alive: heartbeat watchdog,
// ping keepalive, reconnection, replacement when the channel is gone, and
// renewal before it expires. Its loop (run) owns the channel and sockets;
// the tracker talks to it through setTopics and reads it through status.
type shard struct {
	t   *Tracker
	idx int

	// members are the agents of this shard; guarded by the tracker's mu.
	members map[string]bool

	kick chan struct{} // a new topic list, or a retry, is pending

	mu      sync.Mutex // guards the fields below
	pending []string   // the topic list to apply, when dirty
	dirty   bool
	retry   bool // subscribe the refused topics again
	st      ChannelStatus
}

// ChannelStatus is one channel's state, for Status.
type ChannelStatus struct {
	// ID is the channel in use (empty before the first one is made).
	ID string `json:"id"`
	// Topics is how many topics it is subscribed to; Rejected how many of
	// them Genesys refused.
	Topics   int `json:"topics"`
	Rejected int `json:"rejected"`
	// Connected is true while its WebSocket is up; Since is when it last
	// went up or down.
	Connected bool      `json:"connected"`
	Since     time.Time `json:"since"`
	// Expires is when Genesys drops the channel; it is renewed before.
	Expires time.Time `json:"expires"`
	// LastError says why the last connection or request failed.
	LastError string `json:"last_error,omitempty"`
}

func newShard(t *Tracker, idx int) *shard {
	return &shard{t: t, idx: idx, members: make(map[string]bool), kick: make(chan struct{}, 1),
		st: ChannelStatus{Since: t.clock.Now()}}
}

// setTopics hands the shard its new topic list; the latest one wins.
func (s *shard) setTopics(topics []string) {
	s.mu.Lock()
	s.pending, s.dirty = topics, true
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// retryRefused asks the shard to subscribe the topics Genesys refused
// again, in case the OAuth client's role was fixed; a shard with none
// ignores it.
func (s *shard) retryRefused() {
	s.mu.Lock()
	s.retry = true
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// takeTopics returns the pending list, if any. A pending list is
// subscribed whole, which retries the refused topics too, so it clears a
// pending retry.
func (s *shard) takeTopics() ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return nil, false
	}
	s.dirty, s.retry = false, false
	return s.pending, true
}

// takeRetry reports whether a retry of the refused topics is pending.
func (s *shard) takeRetry() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.retry
	s.retry = false
	return r
}

func (s *shard) status() ChannelStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

func (s *shard) update(f func(st *ChannelStatus)) {
	s.mu.Lock()
	f(&s.st)
	s.mu.Unlock()
	s.t.updateGauges()
}

// link is one channel with its socket.
type link struct {
	ch      channel
	conn    *wsConn // nil while down
	expires time.Time
	slot    bool   // holds one of the tracker's MaxChannels slots
	start   uint64 // the mapper's seq before the channel was subscribed
}

// loop is the state of a shard's goroutine.
type loop struct {
	s        *shard
	t        *Tracker
	topics   []string
	rejected map[string]bool
	// refusedMsgs are the messages of the rejections now reported (the
	// tracker's LastError while no other problem replaced it); tries
	// counts the retries since the refused set last changed.
	refusedMsgs []string
	tries       int
	cur         *link // the channel in use
	old         *link // the channel being replaced, kept for Overlap

	// refused fires the quick retries of refused topics (refusedRetry);
	// later ones come with each user refresh.
	watchdog, ping, renew, overlap, refused Timer
}

// run is the shard's goroutine, until ctx ends.
func (s *shard) run(ctx context.Context) {
	t := s.t
	topics, _ := s.takeTopics()
	clk := t.clock
	l := &loop{s: s, t: t, topics: topics,
		watchdog: clk.NewTimer(time.Hour), ping: clk.NewTimer(time.Hour),
		renew: clk.NewTimer(time.Hour), overlap: clk.NewTimer(time.Hour), refused: clk.NewTimer(time.Hour)}
	for _, tm := range []Timer{l.watchdog, l.ping, l.renew, l.overlap, l.refused} {
		tm.Stop()
	}
	defer l.shutdown()
	// The first channel takes its slot too, so that the channels gauge
	// and the MaxChannels bound count it.
	if l.cur = l.openLink(ctx, false); l.cur == nil {
		return
	}
	l.up()
	for {
		var curMsgs, oldMsgs <-chan []byte
		if l.cur.conn != nil {
			curMsgs = l.cur.conn.msgs
		}
		if l.old != nil && l.old.conn != nil {
			oldMsgs = l.old.conn.msgs
		}
		select {
		case <-ctx.Done():
			return
		case b, ok := <-curMsgs:
			if !ok {
				err := l.cur.conn.err
				l.cur.conn = nil
				t.log.Warn("genesys: notification socket lost; reconnecting", "channel", l.cur.ch.ID, "err", err)
				l.reconnect(ctx, reasonError, err)
				continue
			}
			l.handle(ctx, l.cur, b)
		case b, ok := <-oldMsgs:
			if !ok {
				l.old.conn = nil
				l.dropOld()
				continue
			}
			l.handle(ctx, l.old, b)
		case <-l.watchdog.C():
			if l.cur.conn == nil {
				continue
			}
			t.log.Warn("genesys: no heartbeat on the notification socket; reconnecting",
				"channel", l.cur.ch.ID, "timeout", t.cfg.HeartbeatTimeout)
			l.reconnect(ctx, reasonHeartbeat, errors.New("no heartbeat"))
		case <-l.ping.C():
			if l.cur.conn == nil {
				continue
			}
			if err := l.cur.conn.ping(); err != nil {
				t.log.Warn("genesys: ping failed; reconnecting", "channel", l.cur.ch.ID, "err", err)
				l.reconnect(ctx, reasonError, err)
				continue
			}
			l.ping.Reset(t.cfg.PingInterval)
		case <-l.renew.C():
			l.renewChannel(ctx)
		case <-l.overlap.C():
			l.dropOld()
		case <-l.refused.C():
			l.retryRefused(ctx, "backoff")
		case <-s.kick:
			if topics, ok := s.takeTopics(); ok {
				_ = l.setTopics(ctx, topics)
			} else if s.takeRetry() {
				l.retryRefused(ctx, "user refresh")
			}
		}
	}
}

// handle acts on one message of link lk.
func (l *loop) handle(ctx context.Context, lk *link, b []byte) {
	t := l.t
	n, err := decodeNotification(b)
	if err != nil {
		t.m.note(noteMalformed)
		t.log.Debug("genesys: unreadable notification", "channel", lk.ch.ID, "err", err)
		return
	}
	current := lk == l.cur
	switch n.kind {
	case kindHeartbeat, kindPong, kindMetadata:
		switch n.kind {
		case kindHeartbeat:
			t.m.note(noteHeartbeat)
		case kindPong:
			t.m.note(notePong)
		default:
			t.m.note(noteOther)
		}
		if current {
			l.watchdog.Reset(t.cfg.HeartbeatTimeout)
		}
	case kindClosing:
		t.m.note(noteClosing)
		if current {
			t.log.Info("genesys: Genesys is closing the notification socket (v2.system.socket_closing); reconnecting", "channel", lk.ch.ID)
			l.reconnect(ctx, reasonClosing, errors.New("socket_closing"))
		} else {
			l.dropOld()
		}
	case kindGone:
		t.m.note(noteGone)
		if current {
			t.log.Warn("genesys: the notification channel no longer exists; replacing it", "channel", lk.ch.ID)
			l.replace(ctx, reasonGone, false)
		} else {
			l.dropOld()
		}
	case kindConversation:
		t.forward(ctx, n.conv, source{channel: lk.ch.ID, topic: n.topic, start: lk.start})
	default:
		t.m.note(noteOther)
	}
}

// forwardRest hands on the conversation events among messages read from
// lk's socket being closed; its control messages no longer matter.
func (l *loop) forwardRest(ctx context.Context, lk *link, rest [][]byte) {
	for _, b := range rest {
		if n, err := decodeNotification(b); err == nil && n.kind == kindConversation {
			l.t.forward(ctx, n.conv, source{channel: lk.ch.ID, topic: n.topic, start: lk.start})
		}
	}
}

// up marks the current channel connected and arms its timers.
func (l *loop) up() {
	t := l.t
	cur := l.cur
	l.watchdog.Reset(t.cfg.HeartbeatTimeout)
	l.ping.Reset(t.cfg.PingInterval)
	l.armRenew()
	now := t.clock.Now()
	l.s.update(func(st *ChannelStatus) {
		st.ID, st.Connected, st.Since, st.Expires, st.LastError = cur.ch.ID, true, now, cur.expires, ""
		st.Topics, st.Rejected = len(l.topics)-len(l.rejected), len(l.rejected)
	})
}

// down marks the channel disconnected.
func (l *loop) down(err error) {
	l.watchdog.Stop()
	l.ping.Stop()
	now := l.t.clock.Now()
	l.s.update(func(st *ChannelStatus) {
		if st.Connected {
			st.Since = now
		}
		st.Connected = false
		if err != nil {
			st.LastError = err.Error()
		}
	})
}

// armRenew sets the renewal timer RenewBefore ahead of the expiry.
func (l *loop) armRenew() {
	now := l.t.clock.Now()
	if l.cur.expires.IsZero() || !l.cur.expires.After(now) {
		l.cur.expires = now.Add(channelLife)
	}
	d := l.cur.expires.Sub(now) - l.t.cfg.RenewBefore
	l.renew.Reset(max(d, time.Minute))
}
