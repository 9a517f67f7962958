package media

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// sessionState is where a session is in its lifecycle:
//
//	created ──Activate──▶ active ◀──Resume/Activate── held
//	                        │  ──────────Pause──────────▶
//	                        ├──Deactivate──▶ inactive ──Activate──▶ active
//	any ──Close──▶ closed (once closed, always closed)
type sessionState uint8

const (
	stateCreated sessionState = iota
	stateActive
	stateHeld
	stateInactive
	stateClosed
)

// String returns the state's name, as in SessionStats.State.
func (s sessionState) String() string {
	switch s {
	case stateCreated:
		return "created"
	case stateActive:
		return "active"
	case stateHeld:
		return "held"
	case stateInactive:
		return "inactive"
	}
	return "closed"
}

// Session is the media of one recording session: its streams and its clock.
// All methods are safe for concurrent use.
type Session struct {
	id   string
	eng  *Engine
	sink Sink
	log  *slog.Logger
	w    *worker

	// mu guards state, streams and the clock fields below. Lock order:
	// frameMu, then mu, then a Stream's mu.
	mu         sync.Mutex
	state      sessionState
	closing    bool // Close has begun: no new streams
	streams    []*Stream
	clockZero  time.Time // session clock start, aligned to the engine's tick grid
	started    bool      // clock started (first Activate)
	nextFrame  int64     // index of the next frame to produce
	pausedAt   time.Time // when the clock last stopped producing frames
	held       time.Duration
	wg         sync.WaitGroup // routineReceive goroutines
	closeOnce  sync.Once
	closeError error

	// frameMu serializes frame production (clock ticks and the final flush)
	// and guards fr. The sink is called with frameMu held, so WriteFrame
	// must not call Close on this session.
	frameMu sync.Mutex
	fr      framer
}

// ID returns the session id given to NewSession.
func (s *Session) ID() string { return s.id }

// AddStream binds a stream for one accepted m-line on p.Port (leased from
// the engine's PortPool) or, when p.Port is 0, on a port it leases itself,
// and starts its receive goroutine. The stream follows the session state:
// a stream added to an active session plays at once. On error the caller
// keeps the lease of p.Port; on success the session owns it and releases
// it on Close.
func (s *Session) AddStream(p StreamParams) (*Stream, error) {
	cfg, err := p.validate()
	if err != nil {
		return nil, err
	}
	st, err := newStream(s, cfg)
	if err != nil {
		return nil, err
	}
	st.log = s.log.With("label", p.Label)
	if err := s.checkRoom(); err != nil {
		return nil, err
	}

	pool := s.eng.pool
	port, own := p.Port, false
	if port == 0 {
		ports, err := pool.Allocate(1)
		if err != nil {
			return nil, err
		}
		port, own = ports[0], true
	}
	pair, err := pool.take(port)
	if err != nil {
		if own {
			pool.Release(port)
		}
		return nil, err
	}
	st.port, st.pair = port, pair

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkRoomLocked(); err != nil {
		if own {
			pair.close()
			pool.Release(port)
		} else {
			pool.giveBack(port, pair)
		}
		return nil, err
	}
	s.streams = append(s.streams, st)
	switch s.state {
	case stateActive:
		st.setMode(modeActive, s.clockZero, s.nextFrame*int64(s.fr.frameSamples))
	case stateHeld:
		st.setMode(modeHeld, s.clockZero, 0)
	}
	s.eng.m.streams.Inc()
	s.wg.Add(1)
	go st.routineReceive(&s.wg)
	s.log.Debug("media: stream added", "label", p.Label, "port", port, "srtp", p.SRTP != nil)
	return st, nil
}

func (s *Session) checkRoom() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkRoomLocked()
}

func (s *Session) checkRoomLocked() error {
	if s.state == stateClosed || s.closing {
		return ErrSessionClosed
	}
	if len(s.streams) >= MaxStreams {
		return fmt.Errorf("%w: %d", ErrTooManyStreams, MaxStreams)
	}
	return nil
}

// Activate starts accepting packets and producing frames. The first
// activation starts the session clock; a later one (after Deactivate, or
// from hold) resumes it at the current time. Idempotent.
func (s *Session) Activate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateClosed:
		return ErrSessionClosed
	case stateActive:
		return nil
	}
	s.startLocked(s.eng.now())
	return nil
}

// Resume ends a Pause: frames resume at the current clock time, so the
// held time shows as a jump in Frame.Start while Frame.Seq stays
// contiguous. Audio received during the hold was dropped. No-op unless held.
func (s *Session) Resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateClosed:
		return ErrSessionClosed
	case stateHeld:
		s.startLocked(s.eng.now())
	}
	return nil
}

// startLocked moves to active: on first use it starts the clock, otherwise
// it skips the frames that fell in the pause.
func (s *Session) startLocked(now time.Time) {
	if !s.started {
		s.clockZero = s.eng.alignClock(now)
		s.started = true
		s.nextFrame = 0
	} else {
		if !s.pausedAt.IsZero() {
			s.held += now.Sub(s.pausedAt)
			s.pausedAt = time.Time{}
		}
		s.nextFrame = max(s.nextFrame, int64(now.Sub(s.clockZero)/s.fr.period))
	}
	pos := s.nextFrame * int64(s.fr.frameSamples)
	for _, st := range s.streams {
		st.setMode(modeActive, s.clockZero, pos)
	}
	s.state = stateActive
}

// Pause holds the session: streams keep receiving and counting packets
// (sources, SSRCs and sequence numbers stay tracked) but their audio is
// dropped and no frames are produced. The clock keeps running; see Resume.
// No-op unless active.
func (s *Session) Pause() error {
	return s.stop(stateHeld, modeHeld)
}

// Deactivate returns the session to inactive (a=inactive): packets are
// dropped as "inactive" and no frames are produced until Activate.
func (s *Session) Deactivate() error {
	return s.stop(stateInactive, modeInactive)
}

func (s *Session) stop(state sessionState, mode streamMode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateClosed:
		return ErrSessionClosed
	case stateActive:
		s.pausedAt = s.eng.now()
	case stateHeld:
		// From held to inactive: the clock is already stopped.
	default:
		return nil
	}
	if s.state == state {
		return nil
	}
	for _, st := range s.streams {
		st.setMode(mode, s.clockZero, 0)
	}
	s.state = state
	return nil
}

// Close ends the session: it stops accepting packets, closes the sockets,
// waits for the receive goroutines, flushes the audio still buffered
// through the sink (when active), stops the clock and releases the ports.
// After Close returns the sink gets no more frames. Close is idempotent and
// safe to call concurrently; every call returns the first call's result.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { s.closeError = s.close() })
	return s.closeError
}

func (s *Session) close() error {
	// Let each receiver read what its socket already holds before the
	// streams stop accepting packets: the deadline wakes a blocked read.
	s.mu.Lock()
	s.closing = true // no stream may join while receivers drain
	draining := slices.Clone(s.streams)
	s.mu.Unlock()
	for _, st := range draining {
		st.closing.Store(true)
		_ = st.pair.rtp.SetReadDeadline(time.Now())
	}
	s.wg.Wait()

	s.mu.Lock()
	wasActive := s.state == stateActive
	if !s.pausedAt.IsZero() {
		s.held += s.eng.now().Sub(s.pausedAt)
		s.pausedAt = time.Time{}
	}
	s.state = stateClosed
	streams := slices.Clone(s.streams)
	for _, st := range streams {
		st.setMode(modeClosed, time.Time{}, 0)
	}
	s.mu.Unlock()

	var errs []error
	for _, st := range streams {
		errs = append(errs, st.pair.rtp.Close(), st.pair.rtcp.Close())
	}
	s.wg.Wait()

	s.flush(wasActive)
	s.eng.removeSession(s)
	for _, st := range streams {
		s.eng.pool.Release(st.port)
		s.eng.m.streams.Dec()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("media: close session %s: %w", s.id, err)
	}
	return nil
}

// Stats returns a snapshot of the session and its streams.
func (s *Session) Stats() SessionStats {
	s.frameMu.Lock()
	s.mu.Lock()
	out := SessionStats{
		ID:    s.id,
		State: s.state.String(),
		Held:  s.held,
	}
	if s.started {
		out.ClockStart = s.clockZero
		if !s.pausedAt.IsZero() {
			out.Held += s.eng.now().Sub(s.pausedAt)
		}
	}
	streams := slices.Clone(s.streams)
	s.mu.Unlock()
	out.Frames = s.fr.frames
	out.Concealed = s.fr.concealed
	out.Gaps = s.fr.gaps.snapshot(s.fr.lastEnd)
	out.GapsDropped = s.fr.gaps.dropped
	s.frameMu.Unlock()

	out.Streams = make([]StreamStats, len(streams))
	for i, st := range streams {
		out.Streams[i] = st.Stats()
	}
	return out
}
