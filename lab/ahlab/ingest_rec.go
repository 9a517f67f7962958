package ahlab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// ingestSession is one session; Ingest.mu guards its fields.
type ingestSession struct {
	info       Session
	ss         *audiohook.ServerSession
	rec        *ingestRec
	audio, dup int64 // samples per channel
}

// ingestRec is one recording. mu guards the stream state; the session
// list and the completion fields are guarded by Ingest.mu.
type ingestRec struct {
	in           *Ingest
	id           string
	conversation string
	local        *relay.LocalRecording
	wav, json    string
	done         chan struct{} // closed once complete

	mu        sync.Mutex
	next      int64 // stream position (samples) received up to
	seq       uint64
	frame     relay.Frame
	paused    bool // the local recording is paused
	resumed   bool // the server let audio through at least once
	closed    bool
	dup       int64
	gaps      []Gap
	holds     []Hold
	linger    *time.Timer
	sessions  []*ingestSession // guarded by Ingest.mu
	live      int              // guarded by Ingest.mu
	ending    bool             // guarded by Ingest.mu: closing, no session may join
	complete  bool             // guarded by Ingest.mu
	endReason string           // guarded by Ingest.mu
	manifest  *relay.Manifest  // guarded by Ingest.mu
	closeErr  error            // guarded by Ingest.mu
}

// newRec opens the local recording of a session's conversation.
func (in *Ingest) newRec(p audiohook.OpenParams) (*ingestRec, error) {
	id := p.ConversationID + "_" + p.SessionID
	keys := callkey.NewSet()
	if k, err := callkey.Conversation(p.ConversationID); err == nil {
		keys.Add(k)
	}
	var parts []relay.Participant
	if pt := p.Participant; pt.ANI != "" || pt.ANIName != "" {
		parts = append(parts, relay.Participant{ID: pt.ID, Name: pt.ANIName, AOR: pt.ANI, Role: relay.ChannelMap[0]})
	}
	if p.Participant.DNIS != "" {
		parts = append(parts, relay.Participant{AOR: p.Participant.DNIS, Role: relay.ChannelMap[1]})
	}
	lr, err := in.store.Open(in.life, relay.RecordingMeta{SessionID: id, Keys: keys, Participants: parts, ActivatedAt: time.Now()})
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(lr.Path(), ".wav")
	return &ingestRec{
		in: in, id: id, conversation: p.ConversationID, local: lr,
		wav: lr.Path(), json: base + ".json", done: make(chan struct{}),
		next: samplesIn(p.Position),
	}, nil
}

// write appends a frame at stream position start, skipping what the
// recording already has and noting a jump forward as a gap. It returns
// the samples skipped as duplicates.
func (rec *ingestRec) write(session string, start int64, stereo []int16) (dup int64) {
	n := int64(len(stereo) / relay.Channels)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed {
		return 0
	}
	end := start + n
	if end <= rec.next {
		rec.dup += n
		return n
	}
	skip := max(rec.next-start, 0)
	rec.dup += skip
	if start > rec.next {
		rec.gaps = append(rec.gaps, Gap{AtSeconds: secondsOf(rec.next), Seconds: secondsOf(start - rec.next), Session: session})
	}
	if rec.paused { // a pause left over from a session that was lost
		rec.local.Resume()
		rec.paused = false
		rec.endHoldLocked()
	}
	rec.seq++
	rec.frame = relay.Frame{Seq: rec.seq, Start: durationOf(start + skip), Samples: stereo[skip*relay.Channels:]}
	_ = rec.local.WriteFrame(&rec.frame) // errors land in the manifest
	rec.frame.Samples = nil
	rec.next = end
	return skip
}

// pause notes the client's paused at a stream position.
func (rec *ingestRec) pause(session string, at time.Duration) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed || rec.paused {
		return
	}
	rec.paused = true
	rec.local.Pause()
	rec.holds = append(rec.holds, Hold{AtSeconds: at.Seconds(), Start: time.Now(), Session: session})
}

// resume notes resumed: the position jumps over what the pause skipped
// (a hold, not a gap).
func (rec *ingestRec) resume(start, discarded time.Duration) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.closed {
		return
	}
	rec.resumed = true
	if rec.paused {
		rec.paused = false
		rec.local.Resume()
		rec.endHoldLocked()
	}
	rec.next = max(rec.next, samplesIn(start+discarded))
}

func (rec *ingestRec) endHoldLocked() {
	if n := len(rec.holds); n > 0 && rec.holds[n-1].End.IsZero() {
		rec.holds[n-1].End = time.Now()
	}
}

// discarded notes audio the client announced it dropped: the part beyond
// what the recording has is a gap.
func (rec *ingestRec) discarded(session string, start, d time.Duration) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	from, to := max(samplesIn(start), rec.next), samplesIn(start+d)
	if rec.closed || to <= from {
		return
	}
	rec.gaps = append(rec.gaps, Gap{AtSeconds: secondsOf(from), Seconds: secondsOf(to - from), Discarded: true, Session: session})
	rec.next = to
}

// position returns the stream position received up to.
func (rec *ingestRec) position() time.Duration {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return durationOf(rec.next)
}

// close completes the recording once: the WAV and JSON become final and
// the JSON gets the ingest's report under "audiohook".
func (rec *ingestRec) close(reason string) {
	rec.in.mu.Lock()
	rec.ending = true
	rec.in.mu.Unlock()
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		return
	}
	rec.closed = true
	if rec.linger != nil {
		rec.linger.Stop()
	}
	rec.endHoldLocked()
	rep := report{
		ConversationID: rec.conversation, ReceivedSeconds: secondsOf(rec.next), DuplicateSeconds: secondsOf(rec.dup),
		Gaps: append([]Gap(nil), rec.gaps...), Holds: append([]Hold(nil), rec.holds...), EndReason: reason,
	}
	rec.mu.Unlock()

	err := rec.local.Close(relay.FinalMeta{EndedAt: time.Now(), Reason: reason})
	in := rec.in
	in.mu.Lock()
	for _, s := range rec.sessions {
		rep.Sessions = append(rep.Sessions, s.snapshotLocked())
	}
	in.mu.Unlock()
	if merr := mergeReport(rec.json, rep); err == nil {
		err = merr
	}
	m, rerr := readManifest(rec.json)
	if err == nil {
		err = rerr
	}
	in.mu.Lock()
	rec.complete, rec.endReason, rec.manifest, rec.closeErr = true, reason, m, err
	in.notifyLocked()
	in.mu.Unlock()
	close(rec.done)
	in.log.Info("recording complete", "recording", rec.id, "reason", reason, "wav", rec.wav, "err", err)
	in.emit(Event{Time: time.Now(), Type: "recording", ConversationID: rec.conversation, Recording: rec.id,
		Detail: fmt.Sprintf("%s: %.2fs received, %d gaps, %.2fs duplicates skipped, %s", reason, rep.ReceivedSeconds, len(rep.Gaps), rep.DuplicateSeconds, rec.wav)})
}

// snapshotLocked returns the recording's snapshot; the caller holds
// Ingest.mu.
func (rec *ingestRec) snapshotLocked() Recording {
	r := Recording{
		ID: rec.id, ConversationID: rec.conversation, WAV: rec.wav, JSON: rec.json,
		Complete: rec.complete, EndReason: rec.endReason, Manifest: rec.manifest,
	}
	if rec.closeErr != nil {
		r.Err = rec.closeErr.Error()
	}
	for _, s := range rec.sessions {
		r.Sessions = append(r.Sessions, s.info.ID)
	}
	rec.mu.Lock()
	r.ReceivedSeconds, r.DuplicateSeconds = secondsOf(rec.next), secondsOf(rec.dup)
	r.Gaps = append([]Gap(nil), rec.gaps...)
	r.Holds = append([]Hold(nil), rec.holds...)
	rec.mu.Unlock()
	return r
}

// snapshotLocked returns the session's snapshot; the caller holds Ingest.mu.
func (s *ingestSession) snapshotLocked() Session {
	info := s.info
	info.AudioSeconds, info.DuplicateSeconds = secondsOf(s.audio), secondsOf(s.dup)
	if info.Live {
		info.Paused = s.ss.Paused()
	}
	return info
}

// mergeReport adds the ingest's report to the recording JSON under
// "audiohook", replacing the file atomically.
func mergeReport(path string, rep report) error {
	m, err := readManifest(path)
	if err != nil {
		return err
	}
	doc := struct {
		*relay.Manifest
		AudioHook report `json:"audiohook"`
	}{m, rep}
	b, err := json.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readManifest reads a recording's JSON.
func readManifest(path string) (*relay.Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m relay.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("ahlab: %s: %w", path, err)
	}
	return &m, nil
}
