package srs

import (
	"context"
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/relay"
)

var _ gate.Leg = (*session)(nil)

// Activate starts the media after a CTI match: the channel map follows the
// call's direction, the recording opens, and our re-INVITE offers every
// m-line recvonly (DESIGN §4). A later start (another agent after a
// transfer) only updates the agent.
func (sess *session) Activate(ctx context.Context, a gate.Activation) error {
	sess.mu.Lock()
	if sess.ended {
		sess.mu.Unlock()
		return ErrDialogGone
	}
	if a.Direction != "" {
		sess.direction = a.Direction
	}
	if a.AgentID != "" {
		sess.agent = a.AgentID
	}
	sess.applyChannelsLocked()
	if sess.active {
		sess.mu.Unlock()
		return nil
	}
	meta := relay.RecordingMeta{
		SessionID:      sess.id,
		Keys:           sess.keys.Clone(),
		Participants:   sess.participantsLocked(),
		Direction:      string(sess.direction),
		AgentID:        sess.agent,
		ConversationID: a.ConversationID,
		OfferedAt:      sess.offered,
		ActivatedAt:    time.Now(),
	}
	openingFromGate(&meta, a)
	needRec := sess.rec == nil
	sess.mu.Unlock()

	if needRec {
		rec, err := sess.srv.d.Recorder.Open(ctx, meta)
		if err != nil {
			return fmt.Errorf("srs: open recording: %w", err)
		}
		sess.mu.Lock()
		sess.rec = rec
		sess.mu.Unlock()
		sess.sink.rec.Store(&rec)
	}
	if err := sess.media.Activate(); err != nil {
		return fmt.Errorf("srs: media: %w", err)
	}
	if err := sess.reinvite(ctx, negotiate.RecvOnly); err != nil {
		_ = sess.media.Deactivate()
		sess.srv.m.reinvite("recvonly", "failed")
		return err
	}
	sess.srv.m.reinvite("recvonly", "ok")
	sess.mu.Lock()
	sess.active, sess.held = true, false
	sess.mu.Unlock()
	sess.log.Info("recording session activated", "direction", a.Direction, "agent", a.AgentID)
	return nil
}

// Pause holds the recording. With gate.hold inactive the SBC is re-INVITEd
// a=inactive too, so it stops forking audio we would drop anyway.
func (sess *session) Pause(ctx context.Context) error {
	if sess.srv.cfg.HoldInactive {
		if err := sess.reinvite(ctx, negotiate.Inactive); err != nil {
			sess.srv.m.reinvite("inactive", "failed")
			return err
		}
		sess.srv.m.reinvite("inactive", "ok")
	}
	if err := sess.media.Pause(); err != nil {
		return fmt.Errorf("srs: media: %w", err)
	}
	sess.mu.Lock()
	sess.active, sess.held = false, true
	rec := sess.rec
	sess.mu.Unlock()
	if rec != nil {
		rec.Pause()
	}
	return nil
}

// Resume ends a hold.
func (sess *session) Resume(ctx context.Context) error {
	if sess.srv.cfg.HoldInactive {
		if err := sess.reinvite(ctx, negotiate.RecvOnly); err != nil {
			sess.srv.m.reinvite("recvonly", "failed")
			return err
		}
		sess.srv.m.reinvite("recvonly", "ok")
	}
	if err := sess.media.Resume(); err != nil {
		return fmt.Errorf("srs: media: %w", err)
	}
	sess.mu.Lock()
	sess.active, sess.held = true, false
	rec := sess.rec
	sess.mu.Unlock()
	if rec != nil {
		rec.Resume()
	}
	return nil
}

// End tears the session down with a BYE (match timeout with on_timeout bye,
// CTI end after the grace, shutdown).
func (sess *session) End(ctx context.Context, reason string) error {
	return sess.sendBye(ctx, reason)
}
