package genesys

import (
	"context"
	"errors"
	"time"
)

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
