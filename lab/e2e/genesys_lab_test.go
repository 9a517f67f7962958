package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/appliance/gate"
	"github.com/cogito/cogito-edge/lab/ahlab"
	"github.com/cogito/cogito-edge/lab/cloudsim"
	"github.com/cogito/cogito-edge/lab/genesyssim"
	"github.com/cogito/cogito-edge/lab/sipp"
	"github.com/cogito/cogito-edge/lab/tone"
)

const (
	// labLegs is the audio SIPp plays per leg in the Genesys lab test.
	labLegs = 8 * time.Second
	// labPausedWithin bounds the time from the hold reaching the
	// appliance to the cloud's session being paused.
	labPausedWithin = 2 * time.Second
	// labHold is how long the agent keeps the call on hold.
	labHold = 1500 * time.Millisecond
)

// TestGenesysLab is `make lab`'s cloud path as a test (issue 6): SIPp
// plays an Oracle SBC calling the appliance (cti.source cloud, sink both);
// the Genesys simulator places the agent's inbound call with the SBC
// call's UCID in its UUI; the cloud simulator's tracker turns it into the
// CTI start that reaches the appliance through the WireGuard tunnel. Mid
// call the agent holds and resumes, then transfers to a second agent.
// What the files say:
//   - the hold: the cloud's AudioHook session paused and resumed; the
//     ingest's JSON lists the hold at the stream position where the local
//     JSON has it, and no gap (a hold is not lost audio); the local JSON
//     has the hold, about as long as the agent held, and the audio of the
//     hold is not recorded: the tones last the audio sent less the hold;
//   - the transfer: an end for agent A and a start for agent B, both
//     applied to the one session (cti-end, then cti-start-in-grace; its
//     agent is B), one recording that continues (at most a blink of a
//     pause), whose JSON names agent B (agent_id), A then B (agents)
//     and carries the conversation id among its keys;
//   - the cloud: the recording is ingested under the Genesys conversation
//     id, and its live session is paused within labPausedWithin of the hold;
//   - local and ingested recordings are the same, sample for sample.
func TestGenesysLab(t *testing.T) {
	skipWithoutSIPp(t)
	t.Parallel()
	gs, err := genesyssim.New(genesyssim.Config{ClientID: "e2e-cloud", ClientSecret: "e2e-secret", Users: 4, TokenLife: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gs.Close() })
	ce := startCloudEdge(t, cloudOptions{sink: config.SinkBoth, simMutate: func(c *cloudsim.Config) {
		c.Genesys = cloudsim.GenesysConfig{BaseURL: gs.URL(), ClientID: "e2e-cloud", ClientSecret: "e2e-secret",
			Tune: func(g *genesys.Config) { g.MinBackoff, g.MaxBackoff = 10*time.Millisecond, 200*time.Millisecond }}
	}})
	waitFor(t, 15*time.Second, "the appliance on the control channel", func() bool { _, ok := ce.appliance(); return ok })
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := ce.sim.WaitGenesys(ctx); err != nil {
		t.Fatal(err)
	}
	agentA, agentB := gs.Users()[0].ID, gs.Users()[1].ID

	c, _, wait := startSIPpAt(t, netip.MustParseAddrPort(ce.sip("tcp")), sipp.Inbound, "tcp", [2]float64{customerHz, agentHz}, 11, labLegs)
	key := mustKey(callkey.UCID(c.UCID))
	pending := ce.waitCall(key, "pending", 20*time.Second)
	waitFor(t, 10*time.Second, "the call announced to the cloud", func() bool { return ce.holds(key) })

	call, err := gs.Inbound(agentA, genesyssim.InboundOptions{UCID: c.UCID})
	if err != nil {
		t.Fatal(err)
	}
	conv := call.ConversationID
	labForwarded(t, ce.sim, conv, cti.Start, agentA)
	live := ce.waitCall(key, "active", 5*time.Second)
	if !live.Keys.Has(mustKey(callkey.Conversation(conv))) {
		t.Fatalf("the start did not teach the session the conversation id: keys %v", live.Keys)
	}
	// The relay opens at activation, after the start: the cloud's
	// recording is named by the Genesys conversation id the start taught
	// the session, not an id derived from the SBC's keys.
	stream := conv
	if derived := ce.conversation(pending.ID, pending.Keys); derived == conv {
		t.Fatalf("the SBC's keys already name conversation %s: the test proves nothing", conv)
	}

	// The hold, 1.5 s into the audio at the cloud.
	waitFor(t, 10*time.Second, "1.5 s of audio at the ingest", func() bool { return labSession(ce.sim, stream).AudioSeconds >= 1.5 })
	if err := gs.Hold(conv); err != nil {
		t.Fatal(err)
	}
	labForwarded(t, ce.sim, conv, cti.Hold, agentA)
	// The relay sends paused as soon as the hold happens (after the audio
	// before it), not with the next frame: the live cloud session is
	// paused within a couple of seconds of the hold.
	heldWhen := time.Now()
	waitFor(t, labPausedWithin, "paused at the cloud after the hold", func() bool { return labSession(ce.sim, stream).Paused })
	t.Logf("the cloud saw paused %v after the hold reached the appliance", time.Since(heldWhen).Round(time.Millisecond))
	heldAt := labSession(ce.sim, stream).AudioSeconds
	time.Sleep(labHold) // the agent's hold: the scenario's time, not a wait for a condition
	if err := gs.Resume(conv); err != nil {
		t.Fatal(err)
	}
	labForwarded(t, ce.sim, conv, cti.Resume, agentA)
	waitFor(t, 5*time.Second, "audio again after the resume", func() bool {
		s := labSession(ce.sim, stream)
		return !s.Paused && s.AudioSeconds >= heldAt+1
	})

	// The transfer: an end for A, a start for B, one session throughout.
	if err := gs.Transfer(conv, agentB); err != nil {
		t.Fatal(err)
	}
	labForwarded(t, ce.sim, conv, cti.End, agentA)
	labForwarded(t, ce.sim, conv, cti.Start, agentB)
	snap := labSnapshot(t, ce.edge, live.ID)
	ends := slices.IndexFunc(snap.Transitions, func(tr gate.Transition) bool { return tr.Reason == "cti-end" })
	if snap.AgentID != agentB || snap.State != gate.StateActive || ends < 0 || ends+1 >= len(snap.Transitions) ||
		snap.Transitions[ends+1].Reason != "cti-start-in-grace" {
		t.Errorf("after the transfer: agent %s (want %s), state %s, transitions %+v", snap.AgentID, agentB, snap.State, snap.Transitions)
	}
	wait()
	if err := gs.Disconnect(conv); err != nil {
		t.Fatal(err)
	}
	// The final end comes after the SBC hung up: no session holds the
	// keys any more, so it only has to reach the appliance.
	waitFor(t, 10*time.Second, "the tracker's final end", func() bool {
		fs := ce.sim.Forwards()
		return slices.ContainsFunc(fs, func(f cloudsim.Forward) bool {
			return f.Event.Type == cti.End && f.Event.AgentID == agentB && f.Error == "" && len(f.Delivery.Results) == 1
		})
	})

	// The local recording (sink both).
	m, wav := ce.recording(pending.ID, 20*time.Second)
	// The JSON carries what the gate knew at the end: the conversation id
	// the start taught the session among its keys, the agent after the
	// transfer (B) in agent_id, and both agents in turn.
	convKey := mustKey(callkey.Conversation(conv))
	if m.AgentID != agentB || m.Direction != "inbound" || !m.Keys.Has(key) || !m.Keys.Has(convKey) {
		t.Errorf("local JSON: agent %q (want B %s), direction %q, keys %v (want %v and %v)", m.AgentID, agentB, m.Direction, m.Keys, key, convKey)
	}
	if len(m.Agents) != 2 || m.Agents[0].AgentID != agentA || m.Agents[1].AgentID != agentB || !m.Agents[1].Since.After(m.Agents[0].Since) {
		t.Errorf("local JSON: agents %+v, want A %s then B %s", m.Agents, agentA, agentB)
	}
	// The hold, and the transfer's end-then-start as a blink of a pause
	// unless the gate collapsed it; no gap: held audio is not lost audio.
	if len(m.Holds) < 1 || len(m.Holds) > 2 || len(m.Gaps) != 0 || m.EndReason != "bye" {
		t.Fatalf("local JSON: holds %+v, gaps %+v, end %q: want the hold (and at most the transfer's blink), no gap",
			m.Holds, m.Gaps, m.EndReason)
	}
	if len(m.Holds) == 2 {
		if d := m.Holds[1].End.Sub(m.Holds[1].Start); d > 500*time.Millisecond {
			t.Errorf("local JSON: the transfer paused the recording for %v", d)
		}
	}
	hold := m.Holds[0]
	held := hold.End.Sub(hold.Start)
	if held < labHold-200*time.Millisecond || held > labHold+time.Second || math.Abs(hold.AtSeconds-heldAt) > 0.5 {
		t.Errorf("local hold %+v: lasted %v at %.2fs, want about %v at about %.2fs", hold, held, hold.AtSeconds, labHold, heldAt)
	}
	var pausedFor time.Duration
	for _, h := range m.Holds {
		pausedFor += h.End.Sub(h.Start)
	}
	recorded := labLegs - pausedFor
	w, err := tone.ReadWAVFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	an := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz, earlyHz}})
	if err := an.Check(tone.Expect{Channel: 0, Freq: customerHz, Duration: recorded, Tolerance: 0.05},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: recorded, Tolerance: 0.05}); err != nil {
		t.Errorf("local WAV %s (sent %v, held %v): %v", wav, labLegs, pausedFor, err)
	}

	// The cloud's recording: paused and resumed, the hold where the local
	// recording has it, no gap, the same audio.
	rec := ce.ingested(stream)
	ing := checkIngested(t, rec, recorded, wav)
	var doc struct {
		AudioHook struct {
			Holds    []ahlab.Hold    `json:"holds"`
			Gaps     []ahlab.Gap     `json:"gaps"`
			Sessions []ahlab.Session `json:"sessions"`
		} `json:"audiohook"`
	}
	b, err := os.ReadFile(rec.JSON)
	if err != nil || json.Unmarshal(b, &doc) != nil {
		t.Fatalf("ingest JSON %s: %v", rec.JSON, err)
	}
	ah := doc.AudioHook
	if len(ah.Holds) != len(m.Holds) || len(ah.Gaps) != 0 || len(ah.Sessions) != 1 {
		t.Fatalf("ingest JSON: holds %+v (local %+v), gaps %+v, %d sessions", ah.Holds, m.Holds, ah.Gaps, len(ah.Sessions))
	}
	for i, h := range ah.Holds {
		if math.Abs(h.AtSeconds-m.Holds[i].AtSeconds) > 0.05 || h.End.IsZero() {
			t.Errorf("ingest hold %d %+v, local %+v: want the same stream position, ended", i, h, m.Holds[i])
		}
	}
	if s := ah.Sessions[0]; s.Pauses != len(m.Holds) || s.Resumes != len(m.Holds) || s.Paused || s.CloseReason != "end" {
		t.Errorf("ingest session: %d paused, %d resumed (want %d each), paused at the end %v, close %q", s.Pauses, s.Resumes, len(m.Holds), s.Paused, s.CloseReason)
	}
	if got, want := ing.AudioHook.ReceivedSeconds, float64(m.SamplesPerChannel)/8000; got != want {
		t.Errorf("ingest received %.3fs, the appliance recorded %.3fs", got, want)
	}
	t.Logf("hold %v at %.2fs (ingest %.2fs), %d holds; transfer %s -> %s, local JSON agent %s; recorded %.2fs of %v sent (WAV to the BYE); ingested %.2fs, %d gaps",
		held.Round(time.Millisecond), hold.AtSeconds, ah.Holds[0].AtSeconds, len(m.Holds), agentA[:8], agentB[:8], m.AgentID[:8],
		m.DurationSeconds, labLegs, rec.ReceivedSeconds, len(rec.Gaps))
}

// labForwarded waits until the cloud's tracker forwarded an event of conv
// of type typ for agent, and checks that it reached the appliance, routed
// by the keys it announced, and changed its session.
func labForwarded(t *testing.T, sim *cloudsim.Sim, conv string, typ cti.Type, agent string) cloudsim.Forward {
	t.Helper()
	var f cloudsim.Forward
	waitFor(t, 10*time.Second, fmt.Sprintf("the tracker's %s for %s", typ, agent), func() bool {
		for _, x := range sim.Forwards() {
			if x.Event.ConversationID == conv && x.Event.Type == typ && x.Event.AgentID == agent {
				f = x
				return true
			}
		}
		return false
	})
	if f.Error != "" || f.Delivery.Route != cloudsim.RouteKeys || len(f.Delivery.Results) != 1 || f.Delivery.Results[0].Outcome != "matched" {
		t.Fatalf("the tracker's %s for %s: %+v", typ, agent, f)
	}
	return f
}

// labSession is the cloud's live (or last) AudioHook session of conv.
func labSession(sim *cloudsim.Sim, conv string) ahlab.Session {
	var out ahlab.Session
	for _, s := range sim.Ingest().Sessions() {
		if s.ConversationID == conv {
			out = s
		}
	}
	return out
}

// labSnapshot is the appliance's view of a live session (GET /v1/calls).
func labSnapshot(t *testing.T, e *edge, id string) gate.Snapshot {
	t.Helper()
	res, err := http.Get(e.admin + "/v1/calls")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var calls []gate.Snapshot
	if err := json.NewDecoder(res.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("session %s not live", id)
	return gate.Snapshot{}
}
