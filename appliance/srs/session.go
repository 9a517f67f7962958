package srs

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/appliance/siprec"
)

// session is one recording session: the dialog with the SBC, the negotiated
// media, the metadata model and the gate's view of it. It implements
// gate.Leg, so the gate activates, holds and ends it.
type session struct {
	id      string
	srv     *Server
	dlg     *dialog
	local   *negotiate.Local
	log     *slog.Logger
	media   *media.Session
	offered time.Time
	gs      *gate.Session
	sink    sinkSwitch

	// reinviteMu serialises our own re-INVITEs and BYE.
	reinviteMu sync.Mutex

	mu        sync.Mutex // guards the fields below
	neg       *negotiate.Session
	meta      *siprec.Metadata
	keys      callkey.Set
	streams   map[int]*media.Stream // by m-line index
	direction cti.Direction
	agent     string
	active    bool // activated and not held
	held      bool
	rec       relay.Recording
	ended     bool
	endReason string
}

// sinkSwitch forwards media frames to the recording once it is open. The
// media clock calls WriteFrame; the recording is swapped in on activation.
type sinkSwitch struct {
	rec atomic.Pointer[relay.Recording]
}

// WriteFrame implements media.Sink.
func (s *sinkSwitch) WriteFrame(f *media.Frame) error {
	r := s.rec.Load()
	if r == nil {
		return nil
	}
	return (*r).WriteFrame((*relay.Frame)(f))
}

// direction of our SDP for the session's current state.
func (s *session) sdpDirectionLocked() negotiate.Direction {
	if s.active || (s.held && !s.srv.cfg.HoldInactive) {
		return negotiate.RecvOnly
	}
	return negotiate.Inactive
}

// participants summarises the metadata for the gate and the recording.
func (s *session) participantsLocked() []relay.Participant {
	if s.meta == nil {
		return nil
	}
	roles := channelRoles(s.meta, s.direction)
	out := make([]relay.Participant, 0, len(s.meta.Participants))
	for _, p := range s.meta.Participants {
		if p.Left() {
			continue
		}
		out = append(out, relay.Participant{ID: p.ID, Name: p.Name, AOR: p.AOR, Role: roles.participant(p.ID)})
	}
	return out
}

// finish releases everything once; reason says why. The caller has already
// answered or sent the BYE.
func (s *session) finish(reason string) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.endReason = reason
	gs := s.gs
	recording := s.rec != nil
	s.mu.Unlock()

	s.dlg.end()
	s.srv.remove(s)
	if gs != nil {
		gs.Close(reason)
	}
	s.srv.teardown.Go(func() {
		if recording {
			// The SBC sends its last RTP packets and the BYE together; let
			// the packets already on the wire land before the sockets close.
			t := time.NewTimer(mediaLinger)
			select {
			case <-t.C:
			case <-s.srv.quit:
				t.Stop()
			}
		}
		s.closeMedia(reason)
	})
}

// mediaLinger is how long media keeps receiving after the dialog ends.
const mediaLinger = 150 * time.Millisecond

// closeMedia stops the streams, flushes the audio and closes the recording.
func (s *session) closeMedia(reason string) {
	if err := s.media.Close(); err != nil {
		s.log.Warn("media close", "error", err)
	}
	s.mu.Lock()
	rec := s.rec
	final := relay.FinalMeta{
		EndedAt:   time.Now(),
		Reason:    reason,
		AgentID:   s.agent,
		Direction: string(s.direction),
		Keys:      s.keys.Clone(),
		Streams:   s.streamStatsLocked(),
	}
	gs := s.gs
	s.mu.Unlock()
	if gs != nil {
		final.AddSession(gs.Snapshot())
	}
	if rec != nil {
		s.sink.rec.Store(nil)
		if err := rec.Close(final); err != nil {
			s.log.Warn("recording close", "error", err)
		}
	}
	s.log.Info("recording session ended", "reason", reason)
}

func (s *session) streamStatsLocked() []relay.StreamStats {
	st := s.media.Stats()
	out := make([]relay.StreamStats, 0, len(st.Streams))
	for _, m := range st.Streams {
		out = append(out, relay.StreamStats{
			Label:      m.Label,
			Channel:    m.Channel.String(),
			Codec:      m.Codec,
			SSRC:       m.SSRC,
			SRTP:       m.SRTP,
			Packets:    m.Packets,
			Bytes:      m.Bytes,
			Lost:       m.Lost,
			Late:       m.Late,
			Duplicates: m.Duplicates,
			JitterMS:   float64(m.Jitter) / float64(time.Millisecond),
		})
	}
	return out
}

// waitAck blocks until the SBC's pending INVITE (if any) is acknowledged.
func (s *session) waitAck(ctx context.Context) error {
	select {
	case <-s.dlg.ackWait():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
