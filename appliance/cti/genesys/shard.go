package genesys

import (
	"context"
	"errors"
	"slices"
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

// reconnect opens a new socket to the current channel. When the channel
// is gone (the handshake or a HEAD answers 404), or the socket will not
// come back after ReconnectGiveUp tries, the channel is replaced.
func (l *loop) reconnect(ctx context.Context, reason string, cause error) {
	t := l.t
	t.m.reconnects.WithLabelValues(reason).Inc()
	if l.cur.conn != nil {
		l.forwardRest(ctx, l.cur, l.cur.conn.close())
		l.cur.conn = nil
	}
	l.down(cause)
	for failures := 0; ; failures++ {
		conn, status, err := t.dialChannel(ctx, l.cur.ch.ConnectURI)
		if err == nil {
			l.cur.conn = conn
			l.up()
			t.log.Info("genesys: notification socket reconnected", "channel", l.cur.ch.ID, "reason", reason, "attempts", failures+1)
			t.requestReconcile()
			return
		}
		if ctx.Err() != nil {
			return
		}
		l.down(err)
		n := failures + 1
		gone := status == 404 || status == 410
		if !gone && n >= t.cfg.ReconnectProbe {
			exists, perr := t.api.channelExists(ctx, l.cur.ch.ID)
			gone = perr == nil && !exists
		}
		if gone || n >= t.cfg.ReconnectGiveUp {
			t.log.Warn("genesys: the notification channel is gone or will not reconnect; replacing it",
				"channel", l.cur.ch.ID, "attempts", n, "err", err)
			l.replace(ctx, reasonGone, false)
			return
		}
		wait := backoff(failures, t.cfg.MinBackoff, t.cfg.MaxBackoff)
		t.log.Debug("genesys: reconnection failed; retrying", "channel", l.cur.ch.ID, "err", err, "retry_in", wait)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// replace makes a new channel, subscribes it and connects it, and only
// then lets go of the old one: at once when it is gone, or after Overlap
// when it still works (renewal), events arriving on both being
// deduplicated.
func (l *loop) replace(ctx context.Context, reason string, overlap bool) {
	t := l.t
	t.m.replacements.WithLabelValues(reason).Inc()
	prev := l.cur
	if !overlap {
		// The old channel is gone or dead: its slot is free, and Genesys
		// evicts channels without a socket first anyway.
		if prev.slot {
			t.slots.release()
			prev.slot = false
		}
		if prev.conn != nil {
			l.forwardRest(ctx, prev, prev.conn.close())
			prev.conn = nil
		}
		l.down(errors.New("replacing the channel"))
	}
	next := l.openLink(ctx, overlap)
	if next == nil {
		return // ctx done
	}
	l.cur = next
	l.up()
	t.log.Info("genesys: notification channel replaced", "old", prev.ch.ID, "new", next.ch.ID, "reason", reason)
	if overlap && prev.conn != nil {
		l.dropOld()
		l.old = prev
		l.overlap.Reset(t.cfg.Overlap)
	} else {
		l.dropLink(prev)
	}
	t.requestReconcile()
}

// renewChannel replaces the channel before it expires; with no spare
// channel under MaxChannels it renews it in place by subscribing again,
// which Genesys documents as extending a channel's life.
func (l *loop) renewChannel(ctx context.Context) {
	t := l.t
	if l.cur.conn != nil && t.slots.acquire() {
		l.replace(ctx, reasonRenewal, true)
		return
	}
	if err := l.subscribe(ctx, l.cur.ch.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			l.replace(ctx, reasonGone, false)
			return
		}
		t.log.Warn("genesys: renewing the notification channel in place failed; retrying", "channel", l.cur.ch.ID, "err", err)
		l.renew.Reset(time.Minute)
		return
	}
	t.m.replacements.WithLabelValues(reasonRenewal).Inc()
	l.cur.expires = t.clock.Now().Add(channelLife)
	l.armRenew()
	l.s.update(func(st *ChannelStatus) { st.Expires = l.cur.expires })
	t.log.Info("genesys: notification channel renewed in place (no spare channel)", "channel", l.cur.ch.ID)
}

// openLink creates a channel, connects to it and subscribes it, retrying
// until it works or ctx ends (nil). Unless haveSlot, it first acquires a
// channel slot, waiting for one; the link holds it.
func (l *loop) openLink(ctx context.Context, haveSlot bool) *link {
	t := l.t
	for attempt := 0; ; attempt++ {
		if attempt > 0 && !sleep(ctx, backoff(attempt-1, t.cfg.MinBackoff, t.cfg.MaxBackoff)) {
			if haveSlot {
				t.slots.release()
			}
			return nil
		}
		if !haveSlot {
			if !t.slots.acquire() {
				continue
			}
			haveSlot = true
		}
		ch, err := t.api.createChannel(ctx)
		if err != nil {
			l.failed(ctx, "create a notification channel", err)
			continue
		}
		conn, _, err := t.dialChannel(ctx, ch.ConnectURI)
		if err != nil {
			l.failed(ctx, "connect to the new notification channel", err)
			continue
		}
		lk := &link{ch: ch, conn: conn, expires: ch.expiry(), slot: true, start: t.mp.current()}
		if err := l.subscribe(ctx, ch.ID); err != nil {
			l.forwardRest(ctx, lk, conn.close())
			l.failed(ctx, "subscribe the new notification channel", err)
			continue
		}
		return lk
	}
}

// failed logs a failed step of making a channel.
func (l *loop) failed(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	l.t.setError(err)
	l.s.update(func(st *ChannelStatus) { st.LastError = err.Error() })
	l.t.log.Warn("genesys: cannot "+what+"; retrying", "err", err)
}

// subscribe puts the shard's topics on channel id and reports the refused
// ones, clearly, when they change (and only then: retries that change
// nothing log at debug level). While some are refused, it arms the next
// quick retry.
func (l *loop) subscribe(ctx context.Context, id string) error {
	t := l.t
	res, err := t.api.putSubscriptions(ctx, id, l.topics)
	if err != nil {
		return err
	}
	rejected, groups := checkTopics(l.topics, res)
	if !sameKeys(rejected, l.rejected) {
		msgs := make([]string, 0, len(groups))
		for _, g := range groups {
			msg := g.message(len(l.topics))
			msgs = append(msgs, msg)
			t.setError(errors.New(msg))
			t.log.Error("genesys: "+msg, "channel", id, "err", ErrTopicRejected)
		}
		if len(rejected) == 0 && len(l.rejected) > 0 {
			t.clearError(l.refusedMsgs...)
			t.log.Info("genesys: every topic is accepted now", "channel", id, "retries", l.tries)
		}
		l.refusedMsgs, l.tries = msgs, 0
	}
	l.rejected = rejected
	if d, ok := refusedRetry(l.tries, t.cfg.UserRefresh); ok && len(rejected) > 0 {
		l.refused.Reset(d)
	} else {
		l.refused.Stop()
	}
	l.s.update(func(st *ChannelStatus) { st.Topics, st.Rejected = len(l.topics)-len(rejected), len(rejected) })
	return nil
}

// retryRefused subscribes the shard's topics again while Genesys refuses
// some, so that agents are followed once the OAuth client's role gains
// the missing permission, without a restart. why is logged.
func (l *loop) retryRefused(ctx context.Context, why string) {
	if len(l.rejected) == 0 {
		return
	}
	t := l.t
	l.tries++
	t.log.Debug("genesys: subscribing refused topics again", "channel", l.cur.ch.ID,
		"refused", len(l.rejected), "retry", l.tries, "why", why)
	result := retryError
	if err := l.setTopics(ctx, l.topics); err == nil {
		result = retryAccepted
		if len(l.rejected) > 0 {
			result = retryRejected
		}
	}
	t.m.topicRetries.WithLabelValues(result).Inc()
}

// Quick retries of refused topics: after refusedRetryFirst, doubling, as
// long as that is sooner than the next user refresh, which retries them
// from then on.
const refusedRetryFirst = 30 * time.Second

// refusedRetry is the wait before quick retry n (0-based) of refused
// topics; ok is false once the user refresh comes sooner.
func refusedRetry(n int, refresh time.Duration) (d time.Duration, ok bool) {
	d = refusedRetryFirst
	for i := 0; i < n && d < refresh; i++ {
		d *= 2
	}
	return d, d < refresh
}

// setTopics applies a new topic list to the current channel. A failure is
// handled here (the channel replaced, or the list applied again later) and
// returned for the caller's information.
func (l *loop) setTopics(ctx context.Context, topics []string) error {
	t := l.t
	l.topics = topics
	err := l.subscribe(ctx, l.cur.ch.ID)
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound):
		t.log.Warn("genesys: the notification channel no longer exists; replacing it", "channel", l.cur.ch.ID)
		l.replace(ctx, reasonGone, false)
	case ctx.Err() != nil:
	default:
		t.log.Warn("genesys: cannot update the subscriptions; retrying", "channel", l.cur.ch.ID, "err", err)
		wait := backoff(0, t.cfg.MinBackoff, t.cfg.MaxBackoff)
		t.later(wait, func() { l.s.setTopics(topics) })
	}
	return err
}

// dropOld lets go of the channel kept during an overlap.
func (l *loop) dropOld() {
	l.overlap.Stop()
	if l.old != nil {
		l.dropLink(l.old)
		l.old = nil
	}
}

// dropLink closes a link's socket (handing on what it still held), empties
// the channel's subscriptions in the background and frees its slot.
func (l *loop) dropLink(lk *link) {
	t := l.t
	if lk.conn != nil {
		l.forwardRest(context.Background(), lk, lk.conn.close())
		lk.conn = nil
	}
	if lk.slot {
		t.slots.release()
		lk.slot = false
	}
	t.background(func(ctx context.Context) {
		if err := t.api.deleteSubscriptions(ctx, lk.ch.ID); err != nil {
			t.log.Debug("genesys: emptying an old channel failed", "channel", lk.ch.ID, "err", err)
		}
	})
}

// shutdown closes everything when the shard stops.
func (l *loop) shutdown() {
	for _, tm := range []Timer{l.watchdog, l.ping, l.renew, l.overlap, l.refused} {
		tm.Stop()
	}
	if l.old != nil {
		l.dropLink(l.old)
	}
	if l.cur != nil {
		l.dropLink(l.cur)
	}
	l.down(nil)
}

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	ka, kb := sortedKeys(a), sortedKeys(b)
	return slices.Equal(ka, kb)
}
