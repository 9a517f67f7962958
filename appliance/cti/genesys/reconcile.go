package genesys

import (
	"context"
	"errors"
	"sync"
)

// routineReconcile reads back every open conversation after a reconnect:
// Genesys does not replay the notifications a socket missed, so whatever
// changed meanwhile (a hold, an end) is only in the conversation itself.
// Requests coalesce: reconnects during a pass cause one more pass.
func (t *Tracker) routineReconcile(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.reconcileC:
		}
		refs := t.mp.open()
		if len(refs) == 0 {
			continue
		}
		t.log.Info("genesys: reading back open conversations after a reconnect", "conversations", len(refs))
		work := make(chan openRef)
		var wg sync.WaitGroup
		for range min(t.cfg.ReconcileWorkers, len(refs)) {
			wg.Go(func() {
				for ref := range work {
					t.reconcileOne(ctx, ref)
				}
			})
		}
	feed:
		for _, ref := range refs {
			select {
			case work <- ref:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
	}
}

// reconcileOne reads one conversation and hands it to the mapper.
func (t *Tracker) reconcileOne(ctx context.Context, ref openRef) {
	s, err := t.api.getCall(ctx, ref.id)
	var n note
	switch {
	case err == nil:
		if s.ID == "" {
			s.ID = ref.id
		}
		n = note{read: &s, version: ref.version}
	case errors.Is(err, ErrNotFound):
		n = note{gone: ref.id, version: ref.version}
	default:
		if ctx.Err() == nil {
			t.m.reconciles.WithLabelValues("error").Inc()
			t.log.Warn("genesys: cannot read back a conversation", "conversation_id", ref.id, "err", err)
		}
		return
	}
	select {
	case t.notes <- n:
	case <-ctx.Done():
	}
}
