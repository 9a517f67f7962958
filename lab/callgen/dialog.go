package callgen

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// byeTimeout bounds our BYE, also when the caller's context is gone.
const byeTimeout = 5 * time.Second

// Place runs one call end to end and returns it with the first error that
// failed it (nil when the SRS answered inactive, activated, received media
// for Duration and the dialog ended cleanly).
func (g *Generator) Place(ctx context.Context) (*Call, error) {
	if g.closed.Load() {
		return nil, ErrClosed
	}
	if !g.started.Load() {
		return nil, errors.New("callgen: Place before Start")
	}
	c, err := g.newCall()
	if err != nil {
		return nil, err
	}
	g.register(c)
	err = c.run(ctx)
	g.unregister(c)
	c.close()
	c.mu.Lock()
	if c.rep.EndedAt.IsZero() {
		c.rep.EndedAt = time.Now()
	}
	if err != nil {
		c.rep.Err = err.Error()
	}
	c.mu.Unlock()
	return c, err
}

// run is the SBC side of one recording session.
func (c *Call) run(ctx context.Context) error {
	g, cfg := c.g, c.g.cfg
	sdp, body := c.offer(cfg.Direction == Outbound && !cfg.LateConversationID)
	req := c.inviteRequest(body)
	c.mu.Lock()
	c.rep.OfferSDP = string(sdp)
	c.rep.InvitedAt = time.Now()
	c.mu.Unlock()

	actx, cancel := context.WithTimeout(ctx, cfg.AnswerTimeout)
	sess, err := g.dialogs.WriteInvite(actx, req)
	if err != nil {
		cancel()
		return fmt.Errorf("callgen: INVITE: %w", err)
	}
	err = sess.WaitAnswer(actx, sipgo.AnswerOptions{})
	cancel()
	if err != nil {
		return errResponse(err)
	}
	defer sess.Close()
	c.mu.Lock()
	c.sess = sess
	c.rep.AnsweredAt = time.Now()
	c.rep.AnswerSDP = string(sess.InviteResponse.Body())
	c.mu.Unlock()
	c.checkAnswer(sess.InviteResponse)
	if err := sess.Ack(ctx); err != nil {
		return fmt.Errorf("callgen: ACK: %w", err)
	}
	if n := c.violations(); n > 0 {
		c.bye(ctx, sess)
		return fmt.Errorf("%w: %s", ErrProtocol, c.Report().Violations[0])
	}

	if cfg.OnAnswered != nil {
		if err := cfg.OnAnswered(ctx, c); err != nil {
			c.bye(ctx, sess)
			return fmt.Errorf("callgen: OnAnswered: %w", err)
		}
	}
	if cfg.CTIURL != "" {
		if err := PostCTI(ctx, g.httpc, cfg.CTIURL, c.CTIEvent()); err != nil {
			c.bye(ctx, sess)
			return err
		}
	}
	if cfg.LateConversationID {
		if err := c.updateMetadata(ctx, sess); err != nil {
			c.bye(ctx, sess)
			return err
		}
	}

	timer := time.NewTimer(cfg.ActivationTimeout)
	defer timer.Stop()
	select {
	case <-c.activated:
	case <-c.ended:
		return fmt.Errorf("%w: SRS sent BYE while pending", ErrNotActivated)
	case <-timer.C:
		c.bye(ctx, sess)
		return fmt.Errorf("%w: no re-INVITE within %v", ErrNotActivated, cfg.ActivationTimeout)
	case <-ctx.Done():
		c.bye(ctx, sess)
		return ctx.Err()
	}
	if cfg.OnActivated != nil {
		cfg.OnActivated(ctx, c)
	}

	for _, l := range c.legs {
		select {
		case <-l.done:
		case <-c.ended:
		case <-ctx.Done():
			c.bye(ctx, sess)
			return ctx.Err()
		}
	}
	select {
	case <-c.ended: // the SRS hung up first; that is a normal end
		return nil
	default:
	}
	if err := c.bye(ctx, sess); err != nil {
		return fmt.Errorf("callgen: BYE: %w", err)
	}
	if n := c.violations(); n > 0 {
		return fmt.Errorf("%w: %s", ErrProtocol, c.Report().Violations[0])
	}
	return nil
}

// inviteRequest builds the recording INVITE with Oracle's headers.
func (c *Call) inviteRequest(body []byte) *sip.Request {
	g := c.g
	req := sip.NewRequest(sip.INVITE, *g.target.Clone())
	req.SetTransport(g.sipTransport())
	from := &sip.FromHeader{
		Address: sip.Uri{Scheme: "sip", User: c.numbers[0], Host: "sbc.lab"},
		Params:  params("tag", sip.GenerateTagN(16)),
	}
	to := &sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: "srs", Host: g.target.Host, Port: g.target.Port}}
	callID := sip.CallIDHeader(c.callID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.INVITE})
	req.AppendHeader(sip.HeaderClone(&g.contact))
	req.AppendHeader(sip.NewHeader("Require", "siprec"))
	req.AppendHeader(sip.NewHeader("Supported", "siprec"))
	req.AppendHeader(sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO"))
	req.AppendHeader(sip.NewHeader("X-Acme-Call-ID", c.origID))
	if c.dir == Inbound {
		req.AppendHeader(sip.NewHeader("User-to-User", c.keys.UUI+";encoding=hex"))
	} else if g.cfg.ConversationHeader && !g.cfg.LateConversationID {
		req.AppendHeader(sip.NewHeader("X-Inin-Cnv", c.keys.ConversationID))
	}
	req.AppendHeader(sip.NewHeader("Content-Type", multipartType))
	req.SetBody(body)
	return req
}

// checkAnswer records every way the 200 OK breaks the contract: it must be
// an SDP with our two m-lines, each inactive, labels echoed, a real port.
func (c *Call) checkAnswer(res *sip.Response) {
	if ct := headerValue(res, "Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/sdp") {
		c.violate("answer Content-Type %q, want application/sdp", ct)
	}
	ms, err := parseSDP(res.Body())
	if err != nil {
		c.violate("answer: %v", err)
		return
	}
	if len(ms) != len(c.legs) {
		c.violate("answer has %d m-lines, offer had %d", len(ms), len(c.legs))
		return
	}
	var ports [2]int
	for i, m := range ms {
		ports[i] = m.port
		if m.dir != dirInactive {
			c.violate("answer m-line %d is %s, want inactive", i+1, m.dir)
		}
		if m.label != c.labels[i] {
			c.violate("answer m-line %d label %q, want %q", i+1, m.label, c.labels[i])
		}
		if m.port == 0 {
			c.violate("answer m-line %d rejected (port 0)", i+1)
		}
		if c.crypto[i] != nil && len(m.crypto) == 0 {
			c.violate("answer m-line %d has no a=crypto for an SDES offer", i+1)
		}
	}
	c.mu.Lock()
	c.rep.AnswerPorts = ports
	c.mu.Unlock()
}

// bye ends the dialog from our side.
func (c *Call) bye(ctx context.Context, sess *sipgo.DialogClientSession) error {
	select {
	case <-c.ended:
		return nil
	default:
	}
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), byeTimeout)
	defer cancel()
	err := sess.Bye(bctx)
	c.mu.Lock()
	if c.rep.EndedBy == "" {
		c.rep.EndedBy = "sbc"
		c.rep.EndedAt = time.Now()
	}
	c.mu.Unlock()
	return err
}

// updateMetadata sends a re-INVITE whose metadata now carries the
// conversation id, retrying after 491 Request Pending with the back-off of
// RFC 3261 §14.1 for the Call-ID owner (2.1-4 s).
func (c *Call) updateMetadata(ctx context.Context, sess *sipgo.DialogClientSession) error {
	target := sess.InviteResponse.Contact()
	if target == nil {
		return fmt.Errorf("%w: 200 OK without Contact", ErrProtocol)
	}
	_, body := c.offer(true)
	for attempt := 0; ; attempt++ {
		req := sip.NewRequest(sip.INVITE, *target.Address.Clone())
		req.AppendHeader(sip.NewHeader("Require", "siprec"))
		req.AppendHeader(sip.NewHeader("Content-Type", multipartType))
		if c.g.cfg.ConversationHeader {
			req.AppendHeader(sip.NewHeader("X-Inin-Cnv", c.keys.ConversationID))
		}
		req.SetBody(body)
		c.ownInvite.Store(true)
		res, err := sess.Do(ctx, req)
		c.ownInvite.Store(false)
		if err != nil {
			return fmt.Errorf("callgen: metadata re-INVITE: %w", err)
		}
		switch {
		case res.StatusCode == 491 && attempt < 4:
			c.mu.Lock()
			c.rep.Glare++
			c.mu.Unlock()
			wait := 2100*time.Millisecond + mrand.N(1900*time.Millisecond)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
		case res.IsSuccess():
			ack := sip.NewRequest(sip.ACK, *target.Address.Clone())
			ack.AppendHeader(&sip.CSeqHeader{SeqNo: res.CSeq().SeqNo, MethodName: sip.ACK})
			if err := sess.WriteRequest(ack); err != nil {
				return fmt.Errorf("callgen: ACK of metadata re-INVITE: %w", err)
			}
			return nil
		default:
			return fmt.Errorf("%w: metadata re-INVITE: %d %s", ErrRejected, res.StatusCode, res.Reason)
		}
	}
}
