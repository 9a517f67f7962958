package relay

import (
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// cloudTick is how often the sender looks at the acknowledged position
// when no audio wakes it (during holds), to give back acknowledged audio.
const cloudTick = time.Second

// stableSession is how long a session must last before a loss is
// answered with an immediate reconnect; a session that drops sooner keeps
// climbing the backoff, so a flapping server is not hammered.
const stableSession = 10 * time.Second

// maxContinued bounds the continuedSessions list of an open: the latest
// sessions of the chain name the recording well enough.
const maxContinued = 8

// sender is the state only the sender goroutine touches.
type sender struct {
	r       *CloudRecording
	bo      backoff
	buf     []byte  // one relay frame of mu-law
	pcm     []int16 // the same, decoded
	closing bool    // Close was seen
	// cont is the last session's continuation once it has ended (or been
	// replaced); nil before the first session opened.
	cont     *audiohook.Continuation
	openedAt time.Time
	failures int // connection attempts failed since the last success
	closers  sync.WaitGroup
}

func newSender(r *CloudRecording) sender {
	cfg := &r.store.cfg
	return sender{
		r:   r,
		bo:  backoff{min: cfg.BackoffMin, max: cfg.BackoffMax},
		buf: make([]byte, r.fs*Channels),
		pcm: make([]int16, r.fs*Channels),
	}
}

// routineSend is the recording's sender: it connects, drains the ring into
// the session, follows the server's requests, reconnects after a loss, and
// on Close delivers the rest and closes the session.
func (r *CloudRecording) routineSend() {
	sn := &r.snd
	defer close(r.done)
	defer sn.closers.Wait()
	tick := time.NewTicker(cloudTick)
	defer tick.Stop()
	var s *audiohook.ClientSession
	for {
		if s == nil {
			if s = sn.connect(); s == nil {
				sn.stop()
				return
			}
		}
		err := sn.pump(s)
		switch {
		case err != nil:
			if s = sn.lost(s, err); r.isEnded() {
				return
			}
			continue
		case sn.closing && sn.drained():
			if sn.closeSession(s) {
				return
			}
			s = nil
			continue
		}
		sn.trim(s)
		select {
		case <-r.wake:
		case <-tick.C:
		case <-r.recon:
			s = sn.switchTo(s)
		case <-sn.closedCh():
			sn.closing = true
		case <-s.Done():
			if s = sn.lost(s, s.Err()); r.isEnded() {
				return
			}
		case <-r.life.Done():
			sn.lost(s, r.life.Err())
			sn.stop()
			return
		}
	}
}

// closedCh is Close's channel until Close is seen, then nil.
func (sn *sender) closedCh() <-chan struct{} {
	if sn.closing {
		return nil
	}
	return sn.r.closed
}

// pump hands the session every whole frame in the ring (and the rest too
// when closing), applying hold boundaries and reporting overflowed audio
// with discarded on the way. It returns the session's error, if any.
func (sn *sender) pump(s *audiohook.ClientSession) error {
	r := sn.r
	for {
		r.mu.Lock()
		if r.next < r.ring.start { // an outage outlasted the buffer
			at, gap := r.next, r.ring.start-r.next
			r.next = r.ring.start
			r.mu.Unlock()
			r.log.Warn("cloud buffer overflowed: audio discarded", "at", durationOf(at), "discarded", durationOf(gap))
			if err := s.Discard(durationOf(gap)); err != nil {
				return err
			}
			continue
		}
		if r.markNext < len(r.marks) && r.marks[r.markNext].at <= r.next {
			m := r.marks[r.markNext]
			r.markNext++
			r.mu.Unlock()
			if err := sn.applyMark(s, m); err != nil {
				return err
			}
			continue
		}
		// A hold boundary is sent as soon as it happens, not with the next
		// frame (none comes during a hold): the partial frame before it
		// goes out first, then the mark on the next turn of the loop.
		limit, atMark := r.ring.end, r.markNext < len(r.marks)
		if atMark {
			limit = r.marks[r.markNext].at
		}
		k := min(limit-r.next, r.fs)
		if k <= 0 || (k < r.fs && !atMark && !sn.closing) {
			r.mu.Unlock()
			return nil
		}
		from := r.next
		r.ring.read(sn.buf[:k*Channels], from)
		stamp := r.stamps.at(from)
		r.next += k
		r.resent += min(max(r.handedMax-from, 0), k)
		r.handedMax = max(r.handedMax, r.next)
		r.sent += k
		r.mu.Unlock()

		pcm := sn.pcm[:k*Channels]
		for i, c := range sn.buf[:k*Channels] {
			pcm[i] = audiohook.DecodeULaw(c)
		}
		if err := s.WriteAudio(pcm); err != nil {
			return err
		}
		if k < r.fs { // a partial frame before a hold or at the end goes out now
			if err := s.Flush(); err != nil {
				return err
			}
		}
		r.store.m.frames.Inc()
		r.store.m.bytes.Add(float64(k * Channels))
		r.store.m.latency.Observe(float64(r.store.now()-stamp) / float64(time.Second))
	}
}

// applyMark sends a hold boundary: paused or resumed.
func (sn *sender) applyMark(s *audiohook.ClientSession, m cloudMark) error {
	var err error
	if m.pause {
		err = s.Pause()
	} else {
		err = s.Resume()
	}
	r := sn.r
	r.mu.Lock()
	r.sessPaused = s.Paused()
	r.updateStateLocked()
	r.mu.Unlock()
	return err
}

// drained reports whether everything written has been handed over.
func (sn *sender) drained() bool {
	r := sn.r
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next == r.ring.end && r.markNext == len(r.marks)
}

// trim gives back the audio the cloud has acknowledged.
func (sn *sender) trim(s *audiohook.ClientSession) {
	sn.ack(samplesIn(s.Continuation().AckedPosition))
}

// ack records that every sample before a reached the cloud: the ring and
// the hold boundaries before it are no longer needed.
func (sn *sender) ack(a int64) {
	r := sn.r
	r.mu.Lock()
	prev := r.ring.held()
	r.acked = max(r.acked, a)
	r.ring.advance(min(r.acked, r.next))
	i := 0
	for i < r.markNext && r.marks[i].at < r.acked {
		r.baseHeld = r.marks[i].pause
		i++
	}
	if i > 0 {
		r.marks = r.marks[:copy(r.marks, r.marks[i:])]
		r.markNext -= i
	}
	held := r.ring.held()
	r.mu.Unlock()
	r.store.m.fill(prev, held)
}

// isEnded reports whether the cloud ended the recording.
func (r *CloudRecording) isEnded() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ended
}
