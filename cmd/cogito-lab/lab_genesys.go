package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/cloudsim"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/genesyssim"
	"github.com/cogito/cogito-edge/lab/tone"
)

// The Genesys side of the lab's cloud path (issue 6): Genesys Cloud is
// simulated in this process (lab/genesyssim), the cloud simulator's CTI
// tracker follows its agents, and each lab call's CTI start is a call
// placed there (an inbound call with the SBC call's UCID in its UUI, an
// outbound call under its x-inin-cnv conversation id) that the tracker
// turns into the event the appliance gets over the tunnel. Nothing is
// injected by hand.

// labGenesysUsers is how many agents the simulated organization has.
const labGenesysUsers = 8

// genesysCall is a lab call's conversation in the Genesys simulator.
type genesysCall struct {
	conv      string
	agent     string // the agent's user id
	agentName string
	ucid      string
	placed    time.Time        // when the scripted call was placed
	start     cloudsim.Forward // the tracker's start, as the cloud delivered it
	end       *cloudsim.Forward
}

// labGenesys is the simulated Genesys Cloud and what the cloud's tracker
// forwarded.
type labGenesys struct {
	sim   *genesyssim.Sim
	users []genesyssim.User
	next  int // the next agent to give a call to

	mu       sync.Mutex // guards the fields below
	forwards []cloudsim.Forward
	changed  chan struct{} // closed and replaced when forwards grows
}

// startLabGenesys starts the Genesys simulator on loopback.
func startLabGenesys(ctx context.Context, log *slog.Logger) (*labGenesys, error) {
	gs, err := genesyssim.New(genesyssim.Config{ClientID: labGenesysClientID, ClientSecret: labGenesysClientSecret,
		Users: labGenesysUsers, TokenLife: 30 * time.Second, Log: log})
	if err != nil {
		return nil, err
	}
	if err := gs.Start(ctx); err != nil {
		return nil, err
	}
	return &labGenesys{sim: gs, users: gs.Users(), changed: make(chan struct{})}, nil
}

// trackerConfig points the cloud's tracker at the simulator.
func (g *labGenesys) trackerConfig() cloudsim.GenesysConfig {
	return cloudsim.GenesysConfig{BaseURL: g.sim.URL(), ClientID: labGenesysClientID, ClientSecret: labGenesysClientSecret,
		OnForward: g.add}
}

func (g *labGenesys) add(f cloudsim.Forward) {
	g.mu.Lock()
	g.forwards = append(g.forwards, f)
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// list returns what the tracker forwarded so far.
func (g *labGenesys) list() []cloudsim.Forward {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]cloudsim.Forward(nil), g.forwards...)
}

// wait waits for the tracker to forward an event of conv of type typ.
func (g *labGenesys) wait(ctx context.Context, conv string, typ cti.Type) (cloudsim.Forward, error) {
	for {
		g.mu.Lock()
		for _, f := range g.forwards {
			if f.Event.ConversationID == conv && f.Event.Type == typ {
				g.mu.Unlock()
				return f, nil
			}
		}
		changed := g.changed
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return cloudsim.Forward{}, fmt.Errorf("the cloud's tracker never forwarded the %s of conversation %s: %w", typ, conv, ctx.Err())
		case <-changed:
		}
	}
}

// close stops the simulator.
func (g *labGenesys) close() { _ = g.sim.Close() }

// placeGenesysCall is the cloud path's inject: once the appliance has
// announced the call to the cloud, the call is placed in the Genesys
// simulator with its keys, and the start the cloud's tracker makes of it
// is delivered to the appliance, which acks what it did.
func (cl *cloudLab) placeGenesysCall(ctx context.Context, c *labCall, ev cti.Event) (edgeproc.CTIResult, error) {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond) // the appliance's announcements have no notification here
	defer tick.Stop()
	for !cl.announced(ev.Keys()) {
		select {
		case <-wctx.Done():
			return edgeproc.CTIResult{}, fmt.Errorf("the appliance never announced the call to the cloud: %w", wctx.Err())
		case <-tick.C:
		}
	}
	g := cl.gen
	u := g.users[g.next%len(g.users)]
	g.next++
	gc := &genesysCall{agent: u.ID, agentName: u.Name}
	c.agentID, c.genesys, c.ctiVia = u.ID, gc, "the Genesys call"
	c.ctiAt, gc.placed = time.Now(), time.Now()
	var (
		call genesyssim.Call
		err  error
	)
	switch {
	case ev.UCID != "":
		call, err = g.sim.Inbound(u.ID, genesyssim.InboundOptions{UCID: ev.UCID})
	case ev.Direction == cti.Outbound:
		call, err = g.sim.Outbound(u.ID, ev.ConversationID)
	default:
		call, err = g.sim.Inbound(u.ID, genesyssim.InboundOptions{ConversationID: ev.ConversationID})
	}
	if err != nil {
		return edgeproc.CTIResult{}, fmt.Errorf("genesys simulator: %w", err)
	}
	gc.conv, gc.ucid = call.ConversationID, call.UCID
	c.keys = append(c.keys, "genesys="+call.ConversationID)
	if f, err := g.wait(wctx, call.ConversationID, cti.Start); err != nil {
		return edgeproc.CTIResult{}, err
	} else {
		gc.start = f
	}
	d := gc.start.Delivery
	if gc.start.Error != "" {
		return edgeproc.CTIResult{}, fmt.Errorf("the cloud's tracker: %s", gc.start.Error)
	}
	if len(d.Results) != 1 || d.Results[0].ApplianceID != labCloudApplianceID || d.Route != cloudsim.RouteKeys {
		return edgeproc.CTIResult{}, fmt.Errorf("the cloud routed the start %s to %+v, want by keys to %s", d.Route, d.Results, labCloudApplianceID)
	}
	return edgeproc.CTIResult{Outcome: string(d.Results[0].Outcome), Applied: d.Results[0].Applied}, nil
}

// hangUp disconnects a call's Genesys conversation once the SBC's call
// is over, and waits for the tracker's end.
func (cl *cloudLab) hangUp(ctx context.Context, c *labCall) {
	gc := c.genesys
	if gc == nil || gc.conv == "" {
		return
	}
	if err := cl.gen.sim.Disconnect(gc.conv); err != nil {
		c.fail("genesys simulator: disconnect: %v", err)
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	f, err := cl.gen.wait(wctx, gc.conv, cti.End)
	if err != nil {
		c.fail("%v", err)
		return
	}
	gc.end = &f
}

// checkGenesys checks the Genesys side of the cloud path: the tracker
// followed every agent, and every CTI event the appliance got came from
// it, each call's start matched by keys.
func (cl *cloudLab) checkGenesys(calls []*labCall, m edgeproc.Metrics) []check {
	var cs []check
	add := func(name string, ok bool, format string, args ...any) {
		cs = append(cs, check{name, ok, fmt.Sprintf(format, args...)})
	}
	st, _ := cl.sim.GenesysStatus()
	add("the cloud's Genesys tracker follows every agent", st.Ready == "ok" && st.Status.Users == labGenesysUsers,
		"%d agents on %d channel(s), ready %s", st.Status.Users, len(st.Status.Channels), st.Ready)
	var placed, started, ended int
	for _, c := range calls {
		gc := c.genesys
		if gc == nil {
			continue
		}
		placed++
		if r := gc.start.Delivery.Results; len(r) == 1 && r[0].Outcome == "matched" && gc.start.Delivery.Route == cloudsim.RouteKeys {
			started++
		}
		if gc.end != nil && gc.end.Error == "" {
			ended++
		}
	}
	add("each call's start came from its Genesys call, routed by keys and matched", placed == len(calls) && started == placed,
		"%d of %d calls placed in Genesys, %d starts matched", placed, len(calls), started)
	add("each Genesys hang-up reached the appliance as an end", ended == placed, "%d ends of %d calls", ended, placed)
	fw := cl.gen.list()
	var failed []string
	for _, f := range fw {
		if f.Error != "" {
			failed = append(failed, fmt.Sprintf("%s %s: %s", f.Event.Type, f.Event.ConversationID, f.Error))
		}
	}
	add("every tracker event reached the appliance", len(failed) == 0, "%d events forwarded%s", len(fw), strings.Join(append([]string{""}, failed...), "; "))
	got := m.Edge("control_cti_events_total")
	add("nothing injected by hand: the appliance got exactly the tracker's events", got == float64(len(fw)),
		"%.0f CTI events over the control channel, %d forwarded by the tracker", got, len(fw))
	return cs
}

// printGenesysReport writes the cloud path's short report: each call, its
// keys, its time to activation, and its recordings with their duration
// and per-channel tone check.
func printGenesysReport(w io.Writer, calls []*labCall) {
	fmt.Fprintf(w, "\n== the cloud path in short: Genesys call -> tracker -> tunnel -> appliance -> tunnel -> ingest ==\n")
	for _, c := range calls {
		verdict := "ok"
		if !c.ok() {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "  call %d  %-4s %s, agent %s\n", c.n, verdict, c.direction, orDash(c.agentID))
		fmt.Fprintf(w, "          keys %s\n", strings.Join(c.keys, " "))
		if gc := c.genesys; gc != nil {
			act := "not activated"
			if a := c.rec.Manifest.Times.Activated; !a.IsZero() {
				act = fmt.Sprintf("activated %v after the Genesys call was placed (tracker to appliance ack %v)",
					a.Sub(gc.placed).Round(100*time.Microsecond), gc.start.Delivered.Sub(gc.start.Emitted).Round(100*time.Microsecond))
			}
			fmt.Fprintf(w, "          %s\n", act)
		}
		if c.rec.WAV != "" {
			fmt.Fprintf(w, "          local    %.2fs  %s\n", c.rec.Manifest.DurationSeconds, toneVerdict(c, c.analysis.Channels))
		}
		if in := c.ingest; in != nil && in.rec.WAV != "" {
			fmt.Fprintf(w, "          ingested %.2fs  %s\n", in.rec.ReceivedSeconds, toneVerdict(c, in.analysis.Channels))
		}
	}
}

// toneVerdict is the per-channel tone check of one recording: each
// channel's expected tone, how long it was heard, and whether it was the
// dominant one and lasted the audio sent ±5%.
func toneVerdict(c *labCall, chans []tone.ChannelReport) string {
	if len(chans) != 2 {
		return fmt.Sprintf("%d channels: not stereo", len(chans))
	}
	parts := make([]string, 2)
	for i, ch := range chans {
		want := c.tones[i]
		lvl, _ := ch.Tone(want)
		ok := ch.Dominant == want && math.Abs(float64(lvl.Duration-c.sent)) <= durationTolerance*float64(c.sent)
		mark := "ok"
		if !ok {
			mark = "FAIL"
		}
		parts[i] = fmt.Sprintf("ch%d %.0f Hz %v %s", i, want, lvl.Duration, mark)
	}
	return strings.Join(parts, ", ")
}
