package ahlab

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
)

// ingestApp is the Ingest as an audiohook.Application.
type ingestApp Ingest

// Open attaches a session to a recording: the one of the latest session it
// continues, else a new one.
func (a *ingestApp) Open(_ context.Context, s *audiohook.ServerSession, p audiohook.OpenParams) (audiohook.OpenDecision, error) {
	in := (*Ingest)(a)
	is := &ingestSession{ss: s, info: Session{
		ID: p.SessionID, ConversationID: p.ConversationID, StartSeconds: p.Position.Seconds(),
		Participant: p.Participant, Media: p.Media.String(), Opened: time.Now(), Live: true,
	}}
	// A continued session joins its recording at once, so that a linger
	// running out cannot close the recording under it.
	in.mu.Lock()
	var rec *ingestRec
	for i := len(p.ContinuedSessions) - 1; i >= 0 && rec == nil; i-- {
		if prev := in.sessions[p.ContinuedSessions[i].ID]; prev != nil && !prev.rec.ending {
			rec = prev.rec
		}
	}
	continued := rec != nil
	if continued {
		in.attachLocked(is, rec)
	}
	in.mu.Unlock()
	if !continued {
		var err error
		if rec, err = in.newRec(p); err != nil {
			in.log.Error("cannot open a recording", "session", p.SessionID, "err", err)
			return audiohook.OpenDecision{}, fmt.Errorf("%w: %w", audiohook.ErrUnavailable, err)
		}
		if len(p.ContinuedSessions) > 0 {
			in.log.Warn("continued session of an unknown or finished recording: starting a new one", "session", p.SessionID)
		}
		in.mu.Lock()
		in.recs = append(in.recs, rec)
		in.attachLocked(is, rec)
		in.mu.Unlock()
	}
	rec.mu.Lock()
	startPaused := in.cfg.StartPaused && !rec.resumed
	if rec.linger != nil {
		rec.linger.Stop()
	}
	rec.mu.Unlock()

	d := audiohook.OpenDecision{StartPaused: startPaused}
	if continued && in.cfg.DiscardTo {
		d.DiscardTo = rec.position()
	}
	detail := fmt.Sprintf("conversation %s, %s, from %v", p.ConversationID, p.Media, p.Position)
	if continued {
		detail += ", continued"
	}
	if startPaused {
		detail += ", paused"
		if in.cfg.ResumeAfter > 0 {
			go in.resumeAfter(s, in.cfg.ResumeAfter)
		}
	}
	in.emit(Event{Time: time.Now(), Type: "open", Session: p.SessionID, ConversationID: p.ConversationID, Recording: rec.id, Detail: detail})
	return d, nil
}

// attachLocked makes is a live session of rec; the caller holds in.mu.
func (in *Ingest) attachLocked(is *ingestSession, rec *ingestRec) {
	is.rec, is.info.RecordingID, is.info.Continued = rec, rec.id, len(rec.sessions) > 0
	in.sessions[is.info.ID] = is
	in.order = append(in.order, is)
	rec.sessions = append(rec.sessions, is)
	rec.live++
	in.notifyLocked()
}

// resumeAfter resumes a session that opened paused once d has passed.
func (in *Ingest) resumeAfter(s *audiohook.ServerSession, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.Done():
		return
	}
	ctx, cancel := context.WithTimeout(in.life, 5*time.Second)
	defer cancel()
	if err := s.Resume(ctx); err != nil && !errors.Is(err, audiohook.ErrClosed) {
		in.log.Warn("resume failed", "session", s.ID(), "err", err)
	}
}

// Audio writes a frame to the session's recording.
func (a *ingestApp) Audio(s *audiohook.ServerSession, f *audiohook.Frame) {
	in := (*Ingest)(a)
	is := in.session(s.ID())
	if is == nil {
		return
	}
	dup := is.rec.write(s.ID(), samplesIn(f.Position), f.Samples)
	n := int64(len(f.Samples) / 2)
	in.mu.Lock()
	first := is.info.FirstAudio.IsZero()
	if first {
		is.info.FirstAudio = time.Now()
		in.notifyLocked()
	}
	is.audio += n
	is.dup += dup
	in.mu.Unlock()
	if first {
		in.emit(Event{Time: time.Now(), Type: "audio", Session: s.ID(), ConversationID: is.info.ConversationID,
			Recording: is.rec.id, Detail: fmt.Sprintf("first audio at %v", f.Position)})
	}
}

// Notify follows paused, resumed and discarded.
func (a *ingestApp) Notify(s *audiohook.ServerSession, n audiohook.Notice) {
	in := (*Ingest)(a)
	is := in.session(s.ID())
	if is == nil {
		return
	}
	detail := fmt.Sprintf("at %v", n.Position)
	switch n.Type {
	case audiohook.TypePaused:
		is.rec.pause(s.ID(), n.Position)
	case audiohook.TypeResumed:
		is.rec.resume(n.Start, n.Discarded)
		detail = fmt.Sprintf("from %v, %v discarded", n.Start, n.Discarded)
	case audiohook.TypeDiscarded:
		is.rec.discarded(s.ID(), n.Start, n.Discarded)
		detail = fmt.Sprintf("%v from %v", n.Discarded, n.Start)
	case audiohook.TypeUpdate:
		detail = "language " + n.Language
	case audiohook.TypeError:
		detail = fmt.Sprintf("%d %s", n.Error.Code, n.Error.Message)
	}
	in.mu.Lock()
	switch n.Type {
	case audiohook.TypePaused:
		is.info.Pauses++
	case audiohook.TypeResumed:
		is.info.Resumes++
	case audiohook.TypeDiscarded:
		is.info.Discards++
	}
	in.notifyLocked()
	in.mu.Unlock()
	in.emit(Event{Time: time.Now(), Type: string(n.Type), Session: s.ID(), ConversationID: is.info.ConversationID, Recording: is.rec.id, Detail: detail})
}

// Closed completes the recording on close(end) or close(disconnect); after
// a reconnect or a lost connection it waits for a continued session, for
// Linger at most once no session of it is live.
func (a *ingestApp) Closed(s *audiohook.ServerSession, e audiohook.Ending) {
	in := (*Ingest)(a)
	is := in.session(s.ID())
	if is == nil {
		return
	}
	rec := is.rec
	in.mu.Lock()
	is.info.Live, is.info.Closed, is.info.CloseReason = false, time.Now(), string(e.Reason)
	if e.Err != nil {
		is.info.Error = e.Err.Error()
	}
	rec.live--
	live := rec.live
	in.notifyLocked()
	in.mu.Unlock()
	in.emit(Event{Time: time.Now(), Type: "closed", Session: s.ID(), ConversationID: is.info.ConversationID, Recording: rec.id,
		Detail: fmt.Sprintf("reason %q at %v, err %v", e.Reason, e.Position, e.Err)})
	switch e.Reason {
	case audiohook.CloseEnd, audiohook.CloseDisconnect:
		rec.close(string(e.Reason))
	default: // reconnect, error, or lost: a continued session may follow
		if live == 0 {
			rec.mu.Lock()
			if !rec.closed {
				rec.linger = time.AfterFunc(in.cfg.Linger, func() { rec.lingered() })
			}
			rec.mu.Unlock()
		}
	}
}

// lingered closes a recording no continued session came for.
func (rec *ingestRec) lingered() {
	rec.in.mu.Lock()
	idle := rec.live == 0 && !rec.ending
	rec.ending = rec.ending || idle
	rec.in.mu.Unlock()
	if idle {
		rec.close("lost")
	}
}

// session returns the session with id, or nil.
func (in *Ingest) session(id string) *ingestSession {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sessions[id]
}
