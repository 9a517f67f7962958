package genesys

import (
	"context"
	"errors"
	"slices"
	"time"
)

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

func sameKeys(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	ka, kb := sortedKeys(a), sortedKeys(b)
	return slices.Equal(ka, kb)
}
