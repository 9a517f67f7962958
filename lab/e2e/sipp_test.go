package e2e

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/pcap"
	"github.com/cogito/cogito-edge/lab/sipp"
	"github.com/cogito/cogito-edge/lab/tone"
)

const (
	customerHz = 440
	agentHz    = 1000
	earlyHz    = 2600
	legsFor    = 4 * time.Second
)

// TestSIPpOracle drives the appliance with real SIPp playing an Oracle SBC:
// an inbound call keyed by UCID over TCP and an outbound call keyed by the
// Genesys conversation id (x-inin-cnv in apkt:header) over UDP.
func TestSIPpOracle(t *testing.T) {
	skipWithoutSIPp(t)
	tests := []struct {
		name      string
		scenario  string
		transport string
		direction cti.Direction
		// tones of the two m-lines in order: caller first
		tones [2]float64
	}{
		{"inbound ucid over tcp", sipp.Inbound, "tcp", cti.Inbound, [2]float64{customerHz, agentHz}},
		{"outbound x-inin-cnv over udp", sipp.Outbound, "udp", cti.Outbound, [2]float64{agentHz, customerHz}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEdge(t, nil)
			c, dir, wait := startSIPp(t, e, tt.scenario, tt.transport, tt.tones, i)

			key := mustKey(callkey.UCID(c.UCID))
			ev := cti.Event{Type: cti.Start, UCID: c.UCID, Direction: cti.Inbound, AgentID: "agent-7"}
			if tt.direction == cti.Outbound {
				key = mustKey(callkey.Conversation(c.ConversationID))
				ev = cti.Event{Type: cti.Start, ConversationID: c.ConversationID, Direction: cti.Outbound, AgentID: "agent-7"}
			}
			pending := e.waitCall(key, "pending", 20*time.Second)

			// The early pcap plays right after the inactive answer: every
			// packet of it must be dropped as inactive before we match.
			waitFor(t, 10*time.Second, "early media dropped as inactive", func() bool {
				return e.counter("cogito_edge_media_packets_dropped_total", map[string]string{"reason": "inactive"}) >= 30
			})
			e.postCTI(ev)
			wait()

			msgs := sippMessages(t, dir)
			answer := firstMessage(t, msgs, "SIP/2.0 200 OK", "CSeq: 1 INVITE")
			checkSDP(t, "200 OK to the INVITE", answer, "a=inactive", c.Labels)
			reinvite := firstMessage(t, msgs, "INVITE sip:", "a=recvonly")
			checkSDP(t, "our re-INVITE", reinvite, "a=recvonly", c.Labels)

			m, wav := e.recording(pending.ID, 20*time.Second)
			if m.Direction != string(tt.direction) {
				t.Errorf("recording direction %q, want %q", m.Direction, tt.direction)
			}
			w, err := tone.ReadWAVFile(wav)
			if err != nil {
				t.Fatal(err)
			}
			rep := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{customerHz, agentHz, earlyHz}})
			if err := rep.Check(
				tone.Expect{Channel: 0, Freq: customerHz, Duration: legsFor, Tolerance: 0.05},
				tone.Expect{Channel: 1, Freq: agentHz, Duration: legsFor, Tolerance: 0.05},
			); err != nil {
				t.Errorf("recording %s: %v\n%+v", wav, err, rep)
			}
			for _, ch := range rep.Channels {
				if lvl, ok := ch.Tone(earlyHz); ok && lvl.Duration > 0 {
					t.Errorf("channel %d holds %v of the early %d Hz tone sent before the match", ch.Channel, lvl.Duration, earlyHz)
				}
			}
			for _, st := range m.Streams {
				if st.Lost != 0 || st.Packets < uint64(legsFor/(20*time.Millisecond)) {
					t.Errorf("stream %s: %d packets, %d lost", st.Label, st.Packets, st.Lost)
				}
			}
		})
	}
}

// startSIPp starts SIPp playing an Oracle SBC against e: one call of
// scenario over transport with fresh keys (labels offset by n), 300 ms of
// early 2600 Hz media while pending, then its m-lines' tones (caller
// first) for legsFor. It returns the call's keys, the directory of SIPp's
// traces, and a function that waits for SIPp to finish and fails the test
// if it did not succeed.
func startSIPp(t *testing.T, e *edge, scenario, transport string, tones [2]float64, n int) (sipp.Call, string, func()) {
	t.Helper()
	return startSIPpAt(t, netip.MustParseAddrPort(e.sip(transport)), scenario, transport, tones, n, legsFor)
}

// startSIPpAt is startSIPp against any appliance's SIP address target,
// with legs of the tones lasting legs.
func startSIPpAt(t *testing.T, target netip.AddrPort, scenario, transport string, tones [2]float64, n int, legs time.Duration) (sipp.Call, string, func()) {
	t.Helper()
	dir := t.TempDir()
	c := sipp.Call{
		UCID:           fmt.Sprintf("0047%04X69FA480C", rand.IntN(1<<16)),
		ConversationID: fmt.Sprintf("5f1d2c3b-0a9e-4d8f-9b7a-%012x", rand.Int64N(1<<40)),
		Labels:         [2]string{fmt.Sprint(739440565 + 10*n), fmt.Sprint(739440566 + 10*n)},
	}
	c.UUI = "04FA08" + c.UCID + "C8143030303731323532383131373738303130313234"
	inj := filepath.Join(dir, "calls.csv")
	f, err := os.Create(inj)
	if err != nil {
		t.Fatal(err)
	}
	if err := sipp.WriteInjection(f, []sipp.Call{c}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	legsPcap := writePcap(t, filepath.Join(dir, "legs.pcap"), tones, legs)
	early := writePcap(t, filepath.Join(dir, "early.pcap"), [2]float64{earlyHz, earlyHz}, 300*time.Millisecond)

	opts := sipp.Options{
		Scenario:  writeScenario(t, dir, scenario),
		Target:    target,
		Transport: transport,
		MediaPort: freeMediaPair(t),
		LocalPort: freePort(t, transport),
		Injection: inj,
		LegsPcap:  legsPcap,
		EarlyPcap: early,
		Hold:      legs + 500*time.Millisecond,
		Timeout:   90 * time.Second,
		TraceDir:  dir,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := sipp.Command(ctx, "sipp", opts)
	cmd.Dir = dir
	out := &logBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	sippDone := make(chan error, 1)
	go func() { sippDone <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel() // kills the sipp this test started if it still runs
		<-sippDone
	})
	var once sync.Once
	return c, dir, func() {
		t.Helper()
		once.Do(func() {
			select {
			case err := <-sippDone:
				sippDone <- err // for the cleanup
				if err != nil {
					t.Fatalf("sipp: %v\n%s", err, out.String())
				}
			case <-ctx.Done():
				t.Fatalf("sipp did not finish\n%s", out.String())
			}
		})
	}
}

// skipWithoutSIPp skips a test that needs SIPp and the raw socket its
// play_pcap_audio opens.
func skipWithoutSIPp(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("SIPp end to end: not in -short")
	}
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not on PATH: install sip-tester (make deps)")
	}
	if os.Geteuid() != 0 {
		t.Skip("SIPp's play_pcap_audio needs a raw socket: run as root")
	}
}

// freePort returns a port free on 127.0.0.1 for network (udp or tcp).
func freePort(t *testing.T, network string) int {
	t.Helper()
	p, err := edgeproc.FreePort(netip.AddrFrom4([4]byte{127, 0, 0, 1}), network)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// freeMediaPair returns an even port P with P and P+2 free for UDP: SIPp
// sends the two legs from them.
func freeMediaPair(t *testing.T) int {
	t.Helper()
	p, err := edgeproc.FreeUDPPair(netip.AddrFrom4([4]byte{127, 0, 0, 1}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustKey(k callkey.Key, err error) callkey.Key {
	if err != nil {
		panic(err)
	}
	return k
}

func writePcap(t *testing.T, path string, tones [2]float64, d time.Duration) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := netip.MustParseAddrPort("127.0.0.1:40000")
	dst := netip.MustParseAddrPort("127.0.0.1:50000")
	if _, err := pcap.WriteRTP(f, pcap.RTPConfig{
		Streams:  pcap.Legs(src, dst, tone.Tone{Freq: tones[0], Amplitude: tone.DefaultAmplitude}, tone.Tone{Freq: tones[1], Amplitude: tone.DefaultAmplitude}),
		Duration: d,
	}); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeScenario(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := sipp.Scenarios.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sippMessages splits SIPp's -trace_msg file into messages.
func sippMessages(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*messages*"))
	if len(files) == 0 {
		t.Fatalf("no SIPp message trace in %s", dir)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		msgs []string
		cur  strings.Builder
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "----------------------------------------------- ") {
			msgs = append(msgs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(strings.TrimRight(line, "\r"))
		cur.WriteByte('\n')
	}
	return append(msgs, cur.String())
}

func firstMessage(t *testing.T, msgs []string, start, contains string) string {
	t.Helper()
	for _, m := range msgs {
		if i := strings.Index(m, start); i >= 0 && strings.Contains(m, contains) && strings.Contains(m, "received") {
			return m[i:]
		}
	}
	t.Fatalf("SIPp saw no received %q containing %q", start, contains)
	return ""
}

// checkSDP asserts that every m-line of msg has dir and the labels, in order.
func checkSDP(t *testing.T, what, msg, dir string, labels [2]string) {
	t.Helper()
	sections := strings.Split(msg, "m=audio ")[1:]
	if len(sections) != 2 {
		t.Fatalf("%s has %d audio m-lines, want 2:\n%s", what, len(sections), msg)
	}
	for i, s := range sections {
		if !strings.Contains(s, dir+"\n") {
			t.Errorf("%s: m-line %d lacks %s:\n%s", what, i, dir, msg)
		}
		if !strings.Contains(s, "a=label:"+labels[i]+"\n") {
			t.Errorf("%s: m-line %d lacks label %s:\n%s", what, i, labels[i], msg)
		}
	}
}
