package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/edgeproc"
)

// labSRTPSuite is the SDES suite of the lab's callgen call.
const labSRTPSuite = "AES_CM_128_HMAC_SHA1_80"

// runCallgen places one inbound SRTP call with callgen. Its OnAnswered
// hook finds the call pending in the appliance and posts the CTI start,
// as the cloud would.
func (l *lab) runCallgen(ctx context.Context, c *labCall) {
	c.agentID = "agent-callgen"
	logPath := filepath.Join(c.dir, "callgen.log")
	logf, err := os.Create(logPath)
	if err != nil {
		c.fail("%v", err)
		return
	}
	defer logf.Close()
	c.files["callgen"] = logPath
	invited := time.Now()
	g, err := callgen.New(callgen.Config{
		Target:       l.edge.SIPAddr().String(),
		Transport:    "tcp",
		SRTP:         labSRTPSuite,
		Duration:     c.sent,
		Direction:    callgen.Direction(c.direction),
		CustomerTone: customerTone,
		AgentTone:    agentTone,
		Logger:       slog.New(slog.NewJSONHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnAnswered: func(ctx context.Context, call *callgen.Call) error {
			return l.onAnswered(ctx, c, call, invited)
		},
	})
	if err != nil {
		c.fail("%v", err)
		return
	}
	if err := g.Start(ctx); err != nil {
		c.fail("%v", err)
		return
	}
	defer g.Close()
	call, err := g.Place(ctx)
	if call == nil {
		c.fail("callgen: %v", err)
		return
	}
	rep := call.Report()
	if err != nil {
		c.fail("callgen: %v", err)
	}
	for _, v := range rep.Violations {
		c.fail("callgen saw a SIPREC violation: %s", v)
	}
	c.sbcActive = rep.ActivatedAt
	for _, leg := range rep.Legs {
		ch := "internal"
		if leg.Role == callgen.RoleCustomer {
			ch = "external"
		}
		c.sentPkts[ch] += leg.Packets
	}
	l.waitRecording(ctx, c)
}

// onAnswered runs in callgen's call goroutine once the appliance answered
// inactive: find the session pending, then post the call's CTI start.
func (l *lab) onAnswered(ctx context.Context, c *labCall, call *callgen.Call, invited time.Time) error {
	k := call.Keys()
	c.keys = []string{"ucid=" + k.UCID, "uui=" + k.UUI, "call-id=" + call.CallID()}
	if ucid, err := callkey.UCID(k.UCID); err == nil {
		c.key = ucid.String()
	}
	cid, err := callkey.CallID(call.CallID())
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pending, err := l.edge.WaitCall(wctx, edgeproc.HasKey(cid.String(), "pending"))
	if err != nil {
		return fmt.Errorf("the appliance never listed the call pending: %w", err)
	}
	c.session, c.pendingIn = pending.ID, time.Since(invited)
	ev := call.CTIEvent()
	ev.AgentID = c.agentID
	c.ctiAt = time.Now()
	c.cti, err = l.postCTI(ctx, c, ev)
	return err
}
