package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/genesyssim"
	"github.com/cogito/cogito-edge/lab/sipp"
	"github.com/cogito/cogito-edge/lab/tone"
)

// directLegs is how long SIPp plays the legs in direct mode: long enough
// for a hold, a resume and the disconnect before SIPp's BYE.
const directLegs = 6 * time.Second

// TestGenesysDirect runs the appliance binary with cti.source genesys
// against the Genesys simulator on loopback, with no cloud. SIPp plays an
// Oracle SBC; the simulator places the matching Genesys calls, and the
// appliance's own tracker turns them into the CTI events that activate,
// hold, resume and end the recordings.
func TestGenesysDirect(t *testing.T) {
	skipWithoutSIPp(t)
	bin := directEdgeBinary(t)
	sim, err := genesyssim.New(genesyssim.Config{ClientID: "cogito-e2e", ClientSecret: "e2e-s3cret", Users: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "genesys.secret")
	if err := os.WriteFile(secretFile, []byte("e2e-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	e, err := edgeproc.Start(ctx, edgeproc.Options{
		Binary:    bin,
		Dir:       dir,
		CTISource: "genesys",
		Genesys:   &edgeproc.Genesys{Region: "usw2", BaseURL: sim.URL(), ClientID: "cogito-e2e", ClientSecretFile: secretFile},
		// The CTI end pauses the recording; SIPp's BYE ends it.
		ExtraYAML: "gate: {end_grace: 30s}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		if t.Failed() {
			t.Logf("appliance log (tail):\n%s", e.LogTail(80))
		}
	})

	// edgeproc.Start waited for /readyz: the tracker is part of it.
	c := directCheck(t, e, "genesys")
	if !c.OK || !strings.Contains(c.Detail, "following 3 agents on 1 channel (1 connected)") {
		t.Fatalf("/readyz genesys check %+v", c)
	}
	agents := sim.Users()

	t.Run("inbound ucid with hold and resume", func(t *testing.T) {
		sc, _, wait := startSIPpAt(t, e.SIPAddr(), sipp.Inbound, "tcp", [2]float64{customerHz, agentHz}, 0, directLegs)
		key := mustKey(callkey.UCID(sc.UCID)).String()
		pending := directWait(t, e, key, "pending")
		waitFor(t, 10*time.Second, "early media dropped as inactive", func() bool {
			return directCall(t, e, pending.ID).Dropped("inactive") >= 10
		})
		call, err := sim.Inbound(agents[0].ID, genesyssim.InboundOptions{UCID: sc.UCID})
		if err != nil {
			t.Fatal(err)
		}
		// The start taught the session the conversation id: the hold and
		// the resume may carry only that.
		directWait(t, e, mustKey(callkey.Conversation(call.ConversationID)).String(), "active")
		directPackets(t, e, pending.ID, 50) // a second of both legs
		if err := sim.Hold(call.ConversationID); err != nil {
			t.Fatal(err)
		}
		directWait(t, e, key, "held")
		directPackets(t, e, pending.ID, 25) // half a second on hold, not recorded
		if err := sim.Resume(call.ConversationID); err != nil {
			t.Fatal(err)
		}
		directWait(t, e, key, "active")
		directPackets(t, e, pending.ID, 50)
		if err := sim.Disconnect(call.ConversationID); err != nil {
			t.Fatal(err)
		}
		directWait(t, e, key, "held") // the CTI end pauses until the BYE
		wait()

		m := directRecording(t, e, pending.ID, "inbound")
		// The hold and the resume, then the pause of the CTI end until the BYE.
		if len(m.Holds) != 2 || m.Holds[0].End.IsZero() || m.Holds[0].End.Sub(m.Holds[0].Start) < 400*time.Millisecond {
			t.Errorf("holds %+v: want the hold with its resume, then the end", m.Holds)
		}
		if m.AgentID != agents[0].ID || len(m.Agents) != 1 || m.Agents[0].AgentID != agents[0].ID {
			t.Errorf("agent %q, agents %+v, want %q", m.AgentID, m.Agents, agents[0].ID)
		}
		// The call was matched by UCID: the conversation id the start
		// taught the session is in the final JSON's keys.
		if conv := mustKey(callkey.Conversation(call.ConversationID)); !m.Keys.Has(conv) || !m.Keys.Has(mustKey(callkey.UCID(sc.UCID))) {
			t.Errorf("recording keys %v, want the UCID and %v", m.Keys, conv)
		}
	})

	t.Run("outbound x-inin-cnv", func(t *testing.T) {
		sc, _, wait := startSIPpAt(t, e.SIPAddr(), sipp.Outbound, "udp", [2]float64{agentHz, customerHz}, 1, directLegs)
		key := mustKey(callkey.Conversation(sc.ConversationID)).String()
		pending := directWait(t, e, key, "pending")
		if _, err := sim.Outbound(agents[1].ID, sc.ConversationID); err != nil {
			t.Fatal(err)
		}
		directWait(t, e, key, "active")
		directPackets(t, e, pending.ID, 100)
		if err := sim.Disconnect(sc.ConversationID); err != nil {
			t.Fatal(err)
		}
		directWait(t, e, key, "held")
		wait()
		directRecording(t, e, pending.ID, "outbound")
	})

	m, err := e.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		name  string
		pairs []string
		min   float64
	}{
		{"cogito_edge_genesys_users", nil, 3},
		{"cogito_edge_genesys_channels", nil, 1},
		{"cogito_edge_genesys_channels_connected", nil, 1},
		{"cogito_edge_genesys_topics", nil, 3},
		{"cogito_edge_genesys_token_refreshes_total", []string{"result", "ok"}, 1},
		{"cogito_edge_genesys_events_total", []string{"type", "start"}, 2},
		{"cogito_edge_genesys_events_total", []string{"type", "hold"}, 1},
		{"cogito_edge_genesys_events_total", []string{"type", "resume"}, 1},
		{"cogito_edge_genesys_events_total", []string{"type", "end"}, 2},
		{"cogito_edge_genesys_cti_events_total", []string{"outcome", "matched"}, 6},
		{"cogito_edge_gate_cti_events_total", []string{"type", "hold", "outcome", "matched"}, 1},
	} {
		if got := m.Value(w.name, w.pairs...); got < w.min {
			t.Errorf("%s%v = %v, want at least %v", w.name, w.pairs, got, w.min)
		}
	}
	if got := m.Value("cogito_edge_genesys_cti_events_total", "outcome", "error") + m.Value("cogito_edge_genesys_cti_events_total", "outcome", "invalid"); got != 0 {
		t.Errorf("%v events the gate refused", got)
	}

	// `cogito-edge status` shows the tracker.
	out, err := exec.CommandContext(ctx, bin, "status", "--admin", e.AdminURL()).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "genesys: 3 agents, channels 1/1 connected, last event") {
		t.Errorf("cogito-edge status: %v\n%s", err, out)
	}
}

// directCall returns the live call id from /v1/calls.
func directCall(t *testing.T, e *edgeproc.Edge, id string) edgeproc.Call {
	t.Helper()
	calls, err := e.Calls(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("call %s is gone", id)
	return edgeproc.Call{}
}

// directWait waits for a live call with key in state.
func directWait(t *testing.T, e *edgeproc.Edge, key, state string) edgeproc.Call {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c, err := e.WaitCall(ctx, edgeproc.HasKey(key, state))
	if err != nil {
		t.Fatalf("call %s %s: %v", key, state, err)
	}
	return c
}

// directPackets waits until each stream of call id received n more packets.
func directPackets(t *testing.T, e *edgeproc.Edge, id string, n uint64) {
	t.Helper()
	count := func() uint64 {
		c := directCall(t, e, id)
		if len(c.Streams) != 2 {
			return 0
		}
		return min(c.Streams[0].Packets, c.Streams[1].Packets)
	}
	from := count()
	waitFor(t, 10*time.Second, "media packets", func() bool { return count() >= from+n })
}

// directRecording waits for the recording of session id and checks it: its
// direction, and the customer on channel 0 and the agent on channel 1 for
// all of the recorded audio, without the early tone.
func directRecording(t *testing.T, e *edgeproc.Edge, id, direction string) relay.Manifest {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	rec, err := e.WaitRecording(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	m := rec.Manifest
	if m.Direction != direction {
		t.Errorf("recording direction %q, want %q", m.Direction, direction)
	}
	w, err := tone.ReadWAVFile(rec.WAV)
	if err != nil {
		t.Fatal(err)
	}
	recorded := time.Duration(m.DurationSeconds * float64(time.Second))
	if recorded < time.Second {
		t.Fatalf("recording %s holds %v of audio", rec.WAV, recorded)
	}
	rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz, earlyHz}})
	if err := rep.Check(
		tone.Expect{Channel: 0, Freq: customerHz, Duration: recorded, Tolerance: 0.1},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: recorded, Tolerance: 0.1},
	); err != nil {
		t.Errorf("recording %s: %v\n%+v", rec.WAV, err, rep)
	}
	for _, ch := range rep.Channels {
		if lvl, ok := ch.Tone(earlyHz); ok && lvl.Duration > 0 {
			t.Errorf("channel %d holds %v of the early tone sent before the match", ch.Channel, lvl.Duration)
		}
	}
	return m
}

// directCheck returns the /readyz check called name.
func directCheck(t *testing.T, e *edgeproc.Edge, name string) struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
} {
	t.Helper()
	res, err := http.Get(e.AdminURL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rz struct {
		Checks []struct {
			Name   string `json:"name"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
		} `json:"checks"`
	}
	if err := json.NewDecoder(res.Body).Decode(&rz); err != nil {
		t.Fatal(err)
	}
	for _, c := range rz.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("/readyz has no %s check: %+v", name, rz.Checks)
	return rz.Checks[0]
}

// directBuilt is the appliance binary, built once per test binary run;
// TestMain removes it.
var directBuilt = &edgeproc.Binary{Pattern: "e2e-edge-bin-*"}

func directEdgeBinary(t *testing.T) string { return directBuilt.Path(t) }
