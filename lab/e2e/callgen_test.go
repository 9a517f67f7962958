package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/relay"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/tone"
)

// runCalls places calls with the lab's Go SIPREC client; each posts its
// CTI start to the admin API once answered inactive.
func runCalls(t *testing.T, e *edge, cfg callgen.Config) callgen.Report {
	t.Helper()
	cfg.Target = e.sip(transportOr(cfg.Transport))
	cfg.CTIURL = e.admin + "/v1/cti"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := callgen.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("callgen: %v (errors %v)", err, rep.Errors)
	}
	for _, r := range rep.Results {
		if r.Err != "" || len(r.Violations) > 0 {
			t.Errorf("call %d: err %q, violations %v", r.N, r.Err, r.Violations)
		}
	}
	return rep
}

func transportOr(tp string) string {
	if tp == "" {
		return "tcp"
	}
	return tp
}

// checkRecording proves one call's recording: the customer's tone on
// channel 0, the agent's on channel 1, the duration sent, and every packet
// the client sent counted by the appliance.
func checkRecording(t *testing.T, e *edge, r callgen.CallReport, d time.Duration) relay.Manifest {
	t.Helper()
	var key callkey.Key
	if r.Keys.UCID != "" {
		key = mustKey(callkey.UCID(r.Keys.UCID))
	} else {
		key = mustKey(callkey.Conversation(r.Keys.ConversationID))
	}
	m, wav := e.recordingByKey(key, 30*time.Second)
	w, err := tone.ReadWAVFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz}})
	if err := rep.Check(
		tone.Expect{Channel: 0, Freq: customerHz, Duration: d, Tolerance: 0.05},
		tone.Expect{Channel: 1, Freq: agentHz, Duration: d, Tolerance: 0.05},
	); err != nil {
		t.Errorf("call %d recording %s: %v", r.N, wav, err)
	}
	var sent, got, lost uint64
	for _, l := range r.Legs {
		sent += l.Packets
	}
	for _, s := range m.Streams {
		got += s.Packets
		lost += s.Lost
	}
	if got != sent || lost != 0 {
		t.Errorf("call %d: client sent %d packets, appliance received %d, lost %d", r.N, sent, got, lost)
	}
	return m
}

// TestSRTPSuites records one call per SDES suite of DESIGN §6.
func TestSRTPSuites(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startEdge(t, nil)
	const d = 2 * time.Second
	for _, suite := range callgen.Suites() {
		t.Run(suite, func(t *testing.T) {
			rep := runCalls(t, e, callgen.Config{SRTP: suite, Duration: d})
			for _, r := range rep.Results {
				m := checkRecording(t, e, r, d)
				for _, s := range m.Streams {
					if !s.SRTP {
						t.Errorf("stream %s not marked SRTP", s.Label)
					}
				}
			}
		})
	}
}

// TestConcurrentCalls runs 50 calls at once, inbound and outbound mixed by
// transport, and requires that not one packet is lost.
func TestConcurrentCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startEdge(t, nil)
	const d = 4 * time.Second
	rep := runCalls(t, e, callgen.Config{Calls: 50, Concurrency: 50, Rate: 100, Duration: d, Transport: "tcp"})
	if rep.Completed != 50 {
		t.Fatalf("completed %d of 50 calls: %v", rep.Completed, rep.Errors)
	}
	for _, r := range rep.Results {
		checkRecording(t, e, r, d)
	}
	t.Logf("50 calls: %d packets sent, %d late, %d skipped, max concurrent %d", rep.Packets, rep.Late, rep.Skipped, rep.MaxActive)
}

// TestOutboundLateConversationID covers an outbound call whose conversation id arrives only
// in a metadata re-INVITE after the answer.
func TestOutboundLateConversationID(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startEdge(t, nil)
	const d = 2 * time.Second
	rep := runCalls(t, e, callgen.Config{Direction: callgen.Outbound, LateConversationID: true, Transport: "tcp", Duration: d})
	for _, r := range rep.Results {
		m := checkRecording(t, e, r, d)
		if m.Direction != "outbound" {
			t.Errorf("direction %q, want outbound", m.Direction)
		}
	}
}
