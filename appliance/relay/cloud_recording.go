package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// CloudRecording is one call streaming to the cloud. WriteFrame, Pause,
// Resume and Close are safe to call from different goroutines.
//
// Positions: every sample written outside a hold gets the next stream
// index (per channel, from 0), which is also its AudioHook position
// (index × 125 µs) in every session of the recording. The ring holds the
// samples from the last one the cloud acknowledged (a pong covers all the
// audio sent before its ping) to the newest; next is the first sample not
// yet handed to the current session. A continued session starts at the
// acknowledged position and resends from there.
type CloudRecording struct {
	store  *CloudStore
	log    *slog.Logger
	client *audiohook.Client
	fs     int64 // samples per channel in one relay frame

	life   context.Context // cancelled to abort: Close's timeout
	abort  context.CancelFunc
	wake   chan struct{} // audio or a hold boundary to send; cap 1
	recon  chan struct{} // the server asked for a reconnect; cap 1
	closed chan struct{} // closed by Close
	done   chan struct{} // closed when the sender has returned

	snd sender // the sender goroutine's own state

	// mu guards the fields below. WriteFrame holds it only to encode into
	// the ring; the sender only to copy out of it. No I/O under it.
	mu           sync.Mutex
	req          audiohook.OpenRequest // what the next session opens with
	ring         cloudRing
	stamps       stampRing
	next         int64 // first sample not handed to the current session
	acked        int64 // every sample before it reached the cloud
	handedMax    int64 // highest next ever reached, to count resends
	marks        []cloudMark
	markNext     int  // first mark not applied to the current session
	baseHeld     bool // hold state before marks[0]
	paused       bool // a CTI hold: frames are not streamed
	closing      bool // Close was called
	ended        bool // the cloud disconnected: nothing more is sent
	connected    bool // a session is open
	sessPaused   bool // the session is paused (server or client)
	cur          *audiohook.ClientSession
	state        string
	fillMax      int64
	sent         int64
	resent       int64
	unconfirmed  int64
	pausedFrames uint64
	afterEnd     uint64
	dropStart    int64
	dropEnd      int64
	cleanClose   bool
	rep          CloudReport
	final        FinalMeta
}

func newCloudRecording(s *CloudStore, meta RecordingMeta) *CloudRecording {
	capacity := s.cfg.ringSamples()
	fs := samplesIn(s.cfg.Frame)
	life, abort := context.WithCancel(context.Background())
	r := &CloudRecording{
		store:  s,
		fs:     fs,
		life:   life,
		abort:  abort,
		wake:   make(chan struct{}, 1),
		recon:  make(chan struct{}, 1),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
		req:    openRequest(s.cfg.ApplianceID, meta),
		ring:   newCloudRing(capacity, s.pool),
		stamps: newStampRing(capacity, fs),
		marks:  make([]cloudMark, 0, 8),
	}
	r.log = s.log.With("call", meta.SessionID, "conversation", r.req.ConversationID)
	r.rep.ConversationID = r.req.ConversationID
	r.rep.Dropped.Intervals = make([]DropInterval, 0, 4) // overflow extends one interval: no allocation
	r.snd = newSender(r)
	return r
}

// WriteFrame encodes f into the ring and wakes the sender once a relay
// frame is waiting. It never blocks and does no network I/O; when the ring
// is full (an outage longer than the buffer) the oldest audio makes room
// and is counted. Frames during a hold are counted and not streamed.
func (r *CloudRecording) WriteFrame(f *Frame) error {
	n := len(f.Samples)
	if n == 0 || n%Channels != 0 {
		r.store.m.invalidFrames.Inc()
		return ErrFrameFormat
	}
	r.mu.Lock()
	switch {
	case r.closing:
		r.mu.Unlock()
		return ErrClosed
	case r.ended:
		r.afterEnd++
		r.mu.Unlock()
		return nil
	case r.paused:
		r.pausedFrames++
		r.mu.Unlock()
		r.store.m.pausedFrames.Inc()
		return nil
	}
	prev := r.ring.held()
	from, dropped := r.ring.write(f.Samples)
	written := min(int64(n/Channels), r.ring.capacity)
	r.stamps.mark(r.ring.end-written, written, r.store.now())
	if dropped > 0 {
		r.overflowLocked(from, dropped)
	}
	held := r.ring.held()
	r.fillMax = max(r.fillMax, held)
	wake := r.ring.end-r.next >= r.fs
	r.mu.Unlock()
	r.store.m.fill(prev, held)
	if wake {
		signal(r.wake)
	}
	return nil
}

// overflowLocked accounts for n samples from index from that left the ring
// to make room: those already sent are unconfirmed, the rest are lost and
// the sender reports them with discarded.
func (r *CloudRecording) overflowLocked(from, n int64) {
	sent := min(max(r.next-from, 0), n)
	r.unconfirmed += sent
	if lost := n - sent; lost > 0 {
		r.dropLocked(from+sent, lost, cloudDropOverflow)
		r.store.m.droppedOver.Add(float64(lost) / SampleRate)
	}
}

// Pause starts a hold (CTI hold): frames are not streamed until Resume,
// and the session sends paused at this point of the stream.
func (r *CloudRecording) Pause() { r.hold(true) }

// Resume ends a hold: the session sends resumed.
func (r *CloudRecording) Resume() { r.hold(false) }

func (r *CloudRecording) hold(pause bool) {
	r.mu.Lock()
	if r.closing || r.ended || r.paused == pause {
		r.mu.Unlock()
		return
	}
	r.paused = pause
	if pause {
		r.rep.Holds++
	}
	r.addMarkLocked(cloudMark{at: r.ring.end, pause: pause})
	r.updateStateLocked()
	r.mu.Unlock()
	signal(r.wake)
}

// addMarkLocked queues a hold boundary. At the bound, holds the session
// has not seen yet and that let no audio through are folded away: the new
// boundary merges with the last one, or the first such hold goes.
func (r *CloudRecording) addMarkLocked(m cloudMark) {
	if len(r.marks) >= maxCloudMarks {
		if k := len(r.marks) - 1; k >= r.markNext && r.marks[k].at == m.at && r.marks[k].pause != m.pause {
			r.marks = r.marks[:k]
			return
		}
		i := r.markNext
		for i+1 < len(r.marks) && !(r.marks[i].pause && !r.marks[i+1].pause && r.marks[i].at == r.marks[i+1].at) {
			i++
		}
		if i+1 >= len(r.marks) {
			r.log.Warn("too many holds not yet acknowledged by the cloud; dropping a hold boundary", "pause", m.pause)
			return
		}
		r.marks = append(r.marks[:i], r.marks[i+2:]...)
	}
	r.marks = append(r.marks, m)
}

// heldAtLocked is the hold state before the marks from markNext on.
func (r *CloudRecording) heldAtLocked() bool {
	held := r.baseHeld
	for _, m := range r.marks[:r.markNext] {
		held = m.pause
	}
	return held
}

// Close delivers what is buffered (reconnecting if need be), closes the
// AudioHook session with reason end and releases the recording. It waits
// at most CloseTimeout; audio still undelivered then is counted in the
// report, and Close returns ErrCloudUndelivered. A second Close returns
// ErrClosed.
func (r *CloudRecording) Close(final FinalMeta) error {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return ErrClosed
	}
	r.closing = true
	r.final = final
	r.updateStateLocked()
	r.mu.Unlock()
	close(r.closed)
	t := time.NewTimer(r.store.cfg.CloseTimeout)
	select {
	case <-r.done:
	case <-t.C:
		r.mu.Lock()
		r.rep.EndReason = "close_timeout"
		r.mu.Unlock()
		r.abort()
		<-r.done
	}
	t.Stop()
	r.abort()
	return r.finish()
}

// finish accounts for what never reached the cloud and releases the ring.
func (r *CloudRecording) finish() error {
	r.mu.Lock()
	if !r.cleanClose && !r.ended {
		start := max(r.ring.start, r.acked)
		r.unconfirmed += max(r.next-start, 0)
		from := max(r.next, r.ring.start)
		if n := r.ring.end - from; n > 0 {
			r.dropLocked(from, n, cloudDropUndelivered)
			r.store.m.dropped.WithLabelValues(cloudDropUndelivered).Add(float64(n) / SampleRate)
		}
	}
	r.endOutageLocked(time.Now())
	switch {
	case r.ended:
		r.rep.Status = CloudDisconnected
	case r.cleanClose && r.rep.Dropped.SamplesPerChannel == 0 && r.unconfirmed == 0:
		r.rep.Status = CloudDelivered
	default:
		r.rep.Status = CloudIncomplete
	}
	held := r.ring.held()
	r.ring.release()
	r.store.m.move(r.state, "")
	r.state = ""
	rep := r.rep
	dropped, unconfirmed := r.rep.Dropped.SamplesPerChannel, r.unconfirmed
	r.mu.Unlock()

	r.store.m.fill(held, 0)
	r.store.m.ended.WithLabelValues(rep.Status).Inc()
	r.store.forget(r)
	r.log.Info("cloud recording closed", "status", rep.Status, "end", rep.EndReason,
		"sessions", len(rep.Sessions), "reconnects", rep.Reconnects,
		"dropped_seconds", seconds(dropped), "unconfirmed_seconds", seconds(uint64(unconfirmed)))
	switch rep.Status {
	case CloudIncomplete:
		return fmt.Errorf("relay.Close: %w: %.3fs dropped, %.3fs unconfirmed (%s)",
			ErrCloudUndelivered, seconds(dropped), seconds(uint64(unconfirmed)), rep.EndReason)
	case CloudDisconnected:
		if rep.EndReason != "disconnected:"+string(audiohook.DisconnectCompleted) {
			return fmt.Errorf("relay.Close: %w: %s", ErrCloudDisconnected, rep.EndReason)
		}
	}
	return nil
}

// onEvent follows what the server says; it runs on the session's read
// loop and must not block.
func (r *CloudRecording) onEvent(s *audiohook.ClientSession, e audiohook.ClientEvent) {
	switch e.Type {
	case audiohook.TypeReconnect:
		signal(r.recon)
	case audiohook.TypePause, audiohook.TypeResume:
		r.mu.Lock()
		if s == r.cur {
			r.sessPaused = e.Paused
			if e.Type == audiohook.TypePause {
				r.rep.ServerPauses++
			}
			r.updateStateLocked()
		}
		r.mu.Unlock()
	}
}

// updateStateLocked moves the recording in the sessions gauge.
func (r *CloudRecording) updateStateLocked() {
	st := cloudActive
	switch {
	case r.closing:
		st = cloudClosing
	case !r.connected:
		st = cloudConnecting
	case r.paused || r.sessPaused:
		st = cloudPaused
	}
	r.store.m.move(r.state, st)
	r.state = st
}

// signal wakes a goroutine waiting on ch (cap 1) without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// endedErr reports whether err ends the recording for good: the server
// disconnected.
func endedErr(err error) (*audiohook.DisconnectedError, bool) {
	var de *audiohook.DisconnectedError
	ok := errors.As(err, &de)
	return de, ok
}

// CloudRecording is a Recording.
var _ Recording = (*CloudRecording)(nil)
