package audiohook

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"
)

// WriteAudio queues stereo audio (int16 pairs: external, internal) and
// sends a binary frame each time FrameDuration has accumulated, encoded in
// the selected format and channel order. While paused, or when the server
// selected no media, the audio is skipped but the position still advances,
// so resumed reports what was skipped; audio before opened's discardTo is
// dropped and reported with discarded. WriteAudio blocks on the network
// when a frame goes out (call it from the sink's sender goroutine, not the
// media clock) and allocates nothing in steady state beyond the WebSocket
// library's frame writer.
func (s *ClientSession) WriteAudio(stereo []int16) error {
	if len(stereo)%2 != 0 {
		return fmt.Errorf("%w: %d stereo samples is not whole pairs", ErrAudioFormat, len(stereo))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	n := int64(len(stereo) / 2)
	if s.pausedLocked() || !s.hasMedia {
		s.pos += n
		return s.passDiscardLocked()
	}
	if s.discardUntil > s.pos {
		skip := min(n, s.discardUntil-s.pos)
		s.pos += skip
		stereo, n = stereo[2*skip:], n-skip
		if err := s.passDiscardLocked(); err != nil {
			return err
		}
	}
	for n > 0 {
		take := min(s.batchMax-s.batchN, n)
		var err error
		if s.batch, err = AppendAudio(s.batch, stereo[:2*take], s.media); err != nil {
			return err
		}
		s.batchN += take
		stereo, n = stereo[2*take:], n-take
		if s.batchN >= s.batchMax {
			if err := s.flushLocked(); err != nil {
				return err
			}
		}
	}
	return nil
}

// passDiscardLocked reports the discardTo stretch once the position has
// passed it (unless a pause covers it: resumed reports that).
func (s *ClientSession) passDiscardLocked() error {
	if s.discardUntil == 0 || s.pos < s.discardUntil {
		return nil
	}
	from, until := s.discardFrom, s.discardUntil
	s.discardUntil = 0
	if s.pausedLocked() {
		return nil
	}
	return s.sendLocked(TypeDiscarded, &DiscardedParameters{
		Start: Duration(s.durationAt(from)), Discarded: Duration(sampleDur(until - from))})
}

// flushLocked sends the pending batch as one binary frame.
func (s *ClientSession) flushLocked() error {
	if s.batchN == 0 {
		return nil
	}
	if err := writeMessage(s.ws, websocket.BinaryMessage, s.batch, s.c.cfg.WriteTimeout); err != nil {
		if s.err == nil {
			s.err = err
		}
		_ = s.ws.Close()
		return err
	}
	s.c.m.clientAudioFrames.Inc()
	s.c.m.clientAudioBytes.Add(float64(len(s.batch)))
	s.pos += s.batchN
	s.batchN, s.batch = 0, s.batch[:0]
	return nil
}

// Flush sends the audio batched so far without waiting for a full frame.
func (s *ClientSession) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	return s.flushLocked()
}

// Pause starts a client-initiated pause (CTI hold): pending audio is sent,
// then paused. Audio written while paused is skipped.
func (s *ClientSession) Pause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	if err := s.flushLocked(); err != nil {
		return err
	}
	if !s.pausedLocked() {
		s.pauseStart = s.pos
	}
	s.clientPaused = true
	s.setMetricStateLocked(s.activityLocked())
	return s.sendLocked(TypePaused, &Empty{})
}

// Resume ends a client-initiated pause with resumed (start and the audio
// skipped). While the server's own pause lasts, nothing is sent yet.
func (s *ClientSession) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	if !s.clientPaused {
		return nil
	}
	s.clientPaused = false
	s.setMetricStateLocked(s.activityLocked())
	if s.serverPaused {
		return nil
	}
	return s.sendLocked(TypeResumed, &ResumedParameters{
		Start: Duration(s.durationAt(s.pauseStart)), Discarded: Duration(sampleDur(s.pos - s.pauseStart))})
}

// Discard reports d of audio the caller lost (its buffer overflowed during
// an outage): the position advances by d and discarded says which stretch.
func (s *ClientSession) Discard(d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	if err := s.flushLocked(); err != nil {
		return err
	}
	n := samplesOf(d)
	from := s.pos
	s.pos += n
	if s.pausedLocked() || n == 0 {
		return nil
	}
	return s.sendLocked(TypeDiscarded, &DiscardedParameters{Start: Duration(s.durationAt(from)), Discarded: Duration(sampleDur(n))})
}

// Update sends update with a new language.
func (s *ClientSession) Update(language string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	return s.sendLocked(TypeUpdate, &UpdateParameters{Language: language})
}

// SendError reports an error to the server without ending the session,
// e.g. 429 with RetryAfter when the server sends messages too fast.
func (s *ClientSession) SendError(pe *ProtocolError) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return err
	}
	s.c.m.protocolError(RoleClient, pe.Code, "local")
	return s.sendLocked(TypeError, &ErrorParameters{Code: pe.Code, Message: pe.Message, RetryAfter: Duration(pe.RetryAfter)})
}

// openLocked returns nil while the session is open.
func (s *ClientSession) openLocked() error {
	switch s.state {
	case cliOpen:
		return nil
	case cliOpening:
		return fmt.Errorf("%w: not opened yet", ErrState)
	}
	if s.err != nil {
		return fmt.Errorf("%w: %w", ErrClosed, s.err)
	}
	return ErrClosed
}

func (s *ClientSession) pausedLocked() bool { return s.serverPaused || s.clientPaused }

func (s *ClientSession) activityLocked() string {
	if s.pausedLocked() {
		return "paused"
	}
	return "active"
}

// positionLocked is the stream position: everything before it was sent or
// skipped (batched audio not yet sent is after it).
func (s *ClientSession) positionLocked() time.Duration { return s.durationAt(s.pos) }

func (s *ClientSession) durationAt(samples int64) time.Duration {
	return s.req.StartPosition + sampleDur(samples)
}

func sampleDur(n int64) time.Duration { return SampleDuration(n, SampleRate) }

func samplesOf(d time.Duration) int64 { return int64(d) * SampleRate / int64(time.Second) }
