package relay

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// connect opens a session, new or continued, retrying with jittered
// backoff. It returns nil when the recording is aborted, or when it is
// closing and the cloud has acknowledged everything already.
func (sn *sender) connect() *audiohook.ClientSession {
	r := sn.r
	for wait := sn.firstWait(); ; wait = sn.bo.next() {
		if wait > 0 && !sn.sleep(wait) {
			return nil
		}
		if r.life.Err() != nil || (sn.closing && sn.nothingToDeliver()) {
			return nil
		}
		if sn.cont != nil || sn.failures > 0 {
			r.store.m.reconnects.Inc()
			r.mu.Lock()
			r.rep.Reconnects++
			r.mu.Unlock()
		}
		s, err := sn.open()
		if err == nil {
			return s
		}
		sn.failures++
		r.store.m.connectFails.Inc()
		now := time.Now()
		r.mu.Lock()
		r.rep.Error = err.Error()
		r.startOutageLocked(now, r.next, "connect")
		r.mu.Unlock()
		if sn.failures == 1 {
			r.log.Warn("cannot reach the cloud; buffering", "err", err)
		} else {
			r.log.Debug("cannot reach the cloud", "err", err, "attempts", sn.failures)
		}
	}
}

// firstWait is the wait before the first attempt: none for a new
// recording or after a stable session, else the backoff.
func (sn *sender) firstWait() time.Duration {
	if sn.cont == nil && sn.failures == 0 {
		return 0
	}
	if !sn.openedAt.IsZero() && time.Since(sn.openedAt) >= stableSession {
		sn.bo.reset()
		return 0
	}
	return sn.bo.next()
}

// sleep waits d; it notes Close on the way and returns false if the
// recording is aborted.
func (sn *sender) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-sn.closedCh():
			sn.closing = true
			if sn.nothingToDeliver() {
				return true // connect returns at once
			}
		case <-sn.r.life.Done():
			return false
		}
	}
}

// nothingToDeliver reports whether the cloud has acknowledged all audio.
func (sn *sender) nothingToDeliver() bool {
	r := sn.r
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acked >= r.ring.end
}

// open opens one session: the first of the recording from position 0, or
// a continued session from the acknowledged position, which resends the
// ring from there. A hold in force is applied at once.
func (sn *sender) open() (*audiohook.ClientSession, error) {
	r := sn.r
	r.mu.Lock()
	req, from := r.req, int64(0)
	if sn.cont != nil {
		from = r.acked
		req = req.Continue(*sn.cont, durationOf(from))
		if n := len(req.ContinuedSessions); n > maxContinued {
			req.ContinuedSessions = req.ContinuedSessions[n-maxContinued:]
		}
	}
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(r.life, r.store.cfg.ConnectTimeout)
	s, err := r.client.Open(ctx, req)
	cancel()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	r.mu.Lock()
	r.req = req
	r.next = from
	r.markNext = 0
	for r.markNext < len(r.marks) && r.marks[r.markNext].at < from {
		r.markNext++
	}
	held := r.heldAtLocked()
	r.cur, r.connected, r.sessPaused = s, true, s.Paused()
	r.addSessionLocked(CloudSessionReport{ID: s.ID(), Continued: sn.cont != nil, StartSeconds: seconds(uint64(from)), Opened: now})
	r.endOutageLocked(now)
	r.updateStateLocked()
	r.mu.Unlock()

	if sn.cont != nil {
		r.store.m.openedCont.Inc()
		r.log.Info("continued session opened", "session", s.ID(), "from", durationOf(from), "after_failures", sn.failures)
	} else {
		r.store.m.openedNew.Inc()
		r.log.Info("session opened", "session", s.ID())
	}
	sn.failures, sn.openedAt = 0, now
	if held {
		if err := sn.applyMark(s, cloudMark{at: from, pause: true}); err != nil {
			r.log.Debug("pause after open failed", "err", err)
		}
	}
	return s, nil
}

// lost ends the current session after err: a disconnect from the server
// ends the recording's stream; anything else drops the connection and
// leaves a continuation for the next session. It returns nil.
func (sn *sender) lost(s *audiohook.ClientSession, err error) *audiohook.ClientSession {
	r := sn.r
	if err == nil {
		err = s.Err()
	}
	de, ended := endedErr(s.Err())
	if ended {
		select { // the session answers disconnect with close and waits for closed
		case <-s.Done():
		case <-r.life.Done():
			s.Abort()
			<-s.Done()
		}
	} else {
		s.Abort()
		<-s.Done()
	}
	c := s.Continuation()
	sn.ack(samplesIn(c.AckedPosition))
	now := time.Now()
	outcome := outcomeOf(s.Err())
	r.mu.Lock()
	r.cur, r.connected, r.sessPaused = nil, false, false
	r.endSessionLocked(c.SessionID, outcome, now)
	if ended {
		r.ended = true
		r.rep.EndReason = outcome
		if de.Info != "" {
			r.rep.Error = de.Info
		}
	} else {
		r.startOutageLocked(now, r.acked, outcome)
		r.rep.Error = err.Error()
	}
	r.updateStateLocked()
	r.mu.Unlock()
	if ended {
		r.log.Info("the cloud ended the session", "reason", de.Reason, "info", de.Info)
		return nil
	}
	if !errors.Is(err, context.Canceled) {
		r.log.Warn("connection to the cloud lost; reconnecting", "session", c.SessionID, "err", err,
			"acked", c.AckedPosition, "position", c.Position)
	}
	sn.cont = &c
	return nil
}

// switchTo answers the server's reconnect: it opens a continued session
// on a new connection, then closes the old one with reason reconnect. If
// the new one cannot be opened, streaming goes on on the old one.
func (sn *sender) switchTo(old *audiohook.ClientSession) *audiohook.ClientSession {
	r := sn.r
	_ = old.Flush()
	c := old.Continuation()
	sn.ack(samplesIn(c.AckedPosition))
	prev := sn.cont
	sn.cont = &c
	r.store.m.reconnects.Inc()
	r.mu.Lock()
	r.rep.Reconnects++
	r.mu.Unlock()
	s, err := sn.open()
	if err != nil {
		sn.cont = prev
		r.log.Warn("reconnect requested by the cloud failed; staying on the current session", "err", err)
		return old
	}
	r.mu.Lock()
	r.endSessionLocked(old.ID(), "reconnect", time.Now())
	r.mu.Unlock()
	sn.closers.Go(func() {
		ctx, cancel := context.WithTimeout(r.life, audiohook.DefaultCloseTimeout)
		defer cancel()
		if err := old.Close(ctx, audiohook.CloseReconnect); err != nil {
			old.Abort()
			<-old.Done()
		}
	})
	return s
}

// closeSession ends the stream with close(end) once everything is handed
// over. It returns false when the connection dropped first: the sender
// then reconnects, resends and closes again.
func (sn *sender) closeSession(s *audiohook.ClientSession) bool {
	r := sn.r
	err := s.Close(r.life, audiohook.CloseEnd)
	if err == nil {
		now := time.Now()
		r.mu.Lock()
		r.cleanClose = true
		r.acked = r.next // closed follows every frame sent before close
		r.cur, r.connected = nil, false
		r.endSessionLocked(s.ID(), "closed", now)
		r.rep.EndReason = "closed"
		r.mu.Unlock()
		return true
	}
	sn.lost(s, err)
	return r.isEnded() || r.life.Err() != nil
}

// stop ends the sender without a session: aborted, or closing with
// everything acknowledged.
func (sn *sender) stop() {
	r := sn.r
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endOutageLocked(time.Now())
	if r.acked >= r.ring.end && r.life.Err() == nil {
		r.cleanClose = true // all acknowledged, though close never went out
		if r.rep.EndReason == "" {
			r.rep.EndReason = "acknowledged"
		}
	}
}

// outcomeOf names how a session ended, for the report.
func outcomeOf(err error) string {
	var pe *audiohook.ProtocolError
	switch de, ok := endedErr(err); {
	case ok:
		return "disconnected:" + string(de.Reason)
	case err == nil:
		return "closed"
	case errors.As(err, &pe):
		return "error"
	}
	return "lost"
}

// backoff is a jittered exponential backoff: each wait is drawn from the
// upper half of a window that doubles up to max.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) reset() { b.cur = 0 }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur/2 + rand.N(b.cur/2+1)
}
