package srs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/negotiate"
	"github.com/cogito/cogito-edge/appliance/siprec"
	"github.com/emiago/sipgo/sip"
)

// maxGlareBackoff is the upper bound of the random wait after a 491. We do
// not own the Call-ID, so RFC 3261 §14.1 gives us 0–2 s; Oracle retries its
// own after 2.1–4 s, so ours goes first.
const maxGlareBackoff = 2 * time.Second

// reinvite sends our re-INVITE offering every accepted m-line with dir and
// applies the SBC's answer. It waits for any SBC INVITE to be acknowledged
// first (RFC 3261 §14.1) and retries after 491 with a random back-off.
func (sess *session) reinvite(ctx context.Context, dir negotiate.Direction) error {
	s := sess.srv
	ctx, done, err := s.outgoing(ctx)
	if err != nil {
		return err
	}
	defer done()
	sess.reinviteMu.Lock()
	defer sess.reinviteMu.Unlock()
	for attempt := 0; attempt <= s.cfg.GlareRetries; attempt++ {
		if err := sess.reserveInvite(ctx); err != nil {
			return err
		}
		res, pending, err := sess.sendOffer(ctx, dir)
		sess.dlg.endOurInvite()
		if err != nil {
			return err
		}
		switch {
		case res.IsSuccess():
			return sess.applyAnswer(res, pending)
		case res.StatusCode == 491:
			s.m.glare()
			wait := time.Duration(rand.Int64N(int64(maxGlareBackoff)))
			sess.log.Info("re-INVITE glare; backing off", "attempt", attempt+1, "wait", wait)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		case res.StatusCode == 481 || res.StatusCode == 408:
			sess.finish("dialog-gone")
			return fmt.Errorf("%w: %d %s", ErrDialogGone, res.StatusCode, res.Reason)
		default:
			return fmt.Errorf("%w: re-INVITE %s: %d %s", ErrRejected, dir, res.StatusCode, res.Reason)
		}
	}
	return ErrGlare
}

// reserveInvite waits until the dialog has no INVITE transaction in either
// direction and claims it for ours.
func (sess *session) reserveInvite(ctx context.Context) error {
	for {
		if sess.dlg.beginOurInvite() {
			return nil
		}
		sess.mu.Lock()
		ended := sess.ended
		sess.mu.Unlock()
		if ended {
			return ErrDialogGone
		}
		if err := sess.waitAck(ctx); err != nil {
			return err
		}
	}
}

func (sess *session) sendOffer(ctx context.Context, dir negotiate.Direction) (*sip.Response, *negotiate.Pending, error) {
	sess.mu.Lock()
	pending, err := sess.neg.Offer(dir, false)
	sess.mu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("srs: build offer: %w", err)
	}
	req, err := sess.dlg.newRequest(sip.INVITE)
	if err != nil {
		return nil, nil, err
	}
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(sip.NewHeader("Allow", allowMethods))
	req.SetBody(pending.SDP())
	res, err := sess.dlg.do(ctx, sess.srv.client, sess.srv.ua, req)
	return res, pending, err
}

// applyAnswer takes the SBC's 2xx answer (plain SDP or multipart with new
// metadata) into the session.
func (sess *session) applyAnswer(res *sip.Response, pending *negotiate.Pending) error {
	ct := ""
	if h := res.ContentType(); h != nil {
		ct = h.Value()
	}
	body := res.Body()
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") {
		parts, err := siprec.SplitBody(ct, body)
		if err != nil {
			return fmt.Errorf("srs: re-INVITE answer body: %w", err)
		}
		body = parts.SDP
		if parts.Metadata != nil {
			if md, err := siprec.ParseMetadata(parts.Metadata); md != nil {
				sess.mu.Lock()
				sess.meta.Apply(md)
				sess.mu.Unlock()
			} else if err != nil {
				sess.log.Warn("metadata in re-INVITE answer refused", "error", err)
			}
		}
	}
	neg, err := pending.Apply(body)
	if err != nil {
		sess.srv.m.badInput("sdp_answer")
		return fmt.Errorf("srs: re-INVITE answer: %w", err)
	}
	sess.mu.Lock()
	sess.applyStreamsLocked(neg, nil)
	sess.neg = neg
	sess.mu.Unlock()
	return nil
}

// sendBye ends the dialog from our side, then releases the session.
func (sess *session) sendBye(ctx context.Context, reason string) error {
	ctx, done, err := sess.srv.outgoing(ctx)
	if err != nil {
		return err // closed: the media engine and the recorder unwind the rest
	}
	defer done()
	req, err := sess.dlg.newRequest(sip.BYE)
	if err != nil {
		sess.finish(reason)
		return nil
	}
	req.AppendHeader(sip.NewHeader("Reason", fmt.Sprintf(`SIP;cause=200;text="%s"`, reason)))
	res, err := sess.dlg.do(ctx, sess.srv.client, sess.srv.ua, req)
	sess.finish(reason)
	if err != nil {
		return fmt.Errorf("srs: BYE: %w", err)
	}
	if !res.IsSuccess() && res.StatusCode != 481 {
		return fmt.Errorf("%w: BYE: %d %s", ErrRejected, res.StatusCode, res.Reason)
	}
	return nil
}

// outgoing registers a request we send (re-INVITE, BYE) with Close and
// bounds ctx by the server's life; done must be called when it is over.
func (s *Server) outgoing(ctx context.Context) (context.Context, func(), error) {
	if !s.enter() {
		return nil, nil, ErrClosed
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.base, cancel)
	return ctx, func() { stop(); cancel(); s.busy.Done() }, nil
}

// bye sends a BYE in the background of a handler, bounded in time.
func (s *Server) bye(sess *session, reason string) {
	ctx, cancel := context.WithTimeout(s.base, 32*sip.T1)
	defer cancel()
	if err := sess.sendBye(ctx, reason); err != nil {
		sess.log.Warn("BYE failed", "reason", reason, "error", err)
	}
}
