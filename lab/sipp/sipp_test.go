package sipp

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/pcap"
	"github.com/cogito/cogito-edge/lab/srstest"
	"github.com/cogito/cogito-edge/lab/tone"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestWriteInjection(t *testing.T) {
	var b bytes.Buffer
	err := WriteInjection(&b, []Call{
		{UCID: "004762BD69FA4805", UUI: "04FA08004762BD69FA4805", Labels: [2]string{"1", "2"}},
		{ConversationID: "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a", Labels: [2]string{"3", "4"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "SEQUENTIAL\n004762BD69FA4805;04FA08004762BD69FA4805;;1;2\n;;5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a;3;4\n"
	if b.String() != want {
		t.Fatalf("got %q", b.String())
	}
	if err := WriteInjection(&b, []Call{{UCID: "a;b"}}); err == nil {
		t.Fatal("a field with ';' must be refused")
	}
}

func TestArgs(t *testing.T) {
	o := Options{Scenario: "s.xml", Target: netip.MustParseAddrPort("127.0.0.1:5060"), Transport: "udp",
		MediaPort: 6000, Injection: "c.csv", LegsPcap: "l.pcap", EarlyPcap: "e.pcap", Hold: 2500 * time.Millisecond}
	got := strings.Join(o.Args(), " ")
	for _, want := range []string{"127.0.0.1:5060 -sf s.xml -t u1", "-mp 6000", "-key legs_pcap l.pcap", "-key early_pcap e.pcap", "-d 2500", "-m 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("args %q lack %q", got, want)
		}
	}
}

// canRawSocket reports whether this process may open the raw socket SIPp's
// pcap_play needs (root or CAP_NET_RAW).
func canRawSocket() bool {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_UDP)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
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

func writePcap(t *testing.T, path string, cfg pcap.RTPConfig) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := pcap.WriteRTP(f, cfg); err != nil {
		t.Fatal(err)
	}
}

// TestSIPpScenarios runs the real sipp with each scenario against the fake
// SRS and proves the whole SBC side: the INVITE parses, early media arrives
// while pending (and is dropped), sipp waits for the re-INVITE and answers
// it sendonly with the labels, then both legs' RTP arrive from the
// advertised ports with the right tone for the pcap's duration.
func TestSIPpScenarios(t *testing.T) {
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Skip("sipp is not on PATH (Debian: apt-get install sip-tester); skipping the SIPp scenario test")
	}
	if !canRawSocket() {
		t.Skip("SIPp's play_pcap_audio needs a raw socket (root or CAP_NET_RAW); skipping the SIPp scenario test")
	}
	tests := map[string]struct {
		scenario  string
		transport string
		call      Call
		key       string
	}{
		"inbound over tcp": {Inbound, "tcp", Call{
			UCID: "00476A1B69FA4C11", UUI: "04FA0800476A1B69FA4C11", Labels: [2]string{"739440565", "739440566"},
		}, "<apkt:ucid>00476A1B69FA4C11</apkt:ucid>"},
		"outbound over udp": {Outbound, "udp", Call{
			ConversationID: "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a", Labels: [2]string{"11", "12"},
		}, "<value>5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a</value>"},
	}
	const legs = 2 * time.Second
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srs, err := srstest.Start(srstest.Config{Transport: tt.transport})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srs.Close)

			mp := freeMediaPair(t)
			src := netip.AddrPortFrom(loopback, uint16(mp))
			// Destination ports in the file only set the legs' spacing
			// (port_diff); sipp sends to the SRS's answered ports.
			base := netip.AddrPortFrom(loopback, 40000)
			writePcap(t, filepath.Join(dir, "legs.pcap"), pcap.RTPConfig{
				Streams: pcap.Legs(src, base, tone.Tone{Freq: 440}, tone.Tone{Freq: 1000}), Duration: legs,
			})
			writePcap(t, filepath.Join(dir, "early.pcap"), pcap.RTPConfig{
				Streams: pcap.Legs(src, base, tone.Tone{Freq: 2600}, tone.Tone{Freq: 2600}), Duration: 300 * time.Millisecond,
			})
			var inj bytes.Buffer
			if err := WriteInjection(&inj, []Call{tt.call}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "calls.csv"), inj.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}

			scenario, err := filepath.Abs(tt.scenario)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			cmd := Command(ctx, bin, Options{
				Scenario: scenario, Target: srs.Addr(), Transport: tt.transport,
				LocalPort: freePort(t, tt.transport), MediaPort: mp,
				Injection: filepath.Join(dir, "calls.csv"),
				LegsPcap:  filepath.Join(dir, "legs.pcap"), EarlyPcap: filepath.Join(dir, "early.pcap"),
				Hold: legs + 500*time.Millisecond, Timeout: 80 * time.Second, TraceDir: dir,
			})
			cmd.Dir = dir // sipp writes its stats files into the working directory
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()

			// Activate only once every early packet arrived: the session
			// must have dropped them all.
			var sess *srstest.Session
			for sess == nil {
				select {
				case err := <-waited:
					t.Fatalf("sipp exited before the INVITE was seen: %v\n%s%s", err, out.String(), traces(dir))
				case <-time.After(20 * time.Millisecond):
					if s := srs.Sessions(); len(s) > 0 {
						sess = s[0]
					}
				}
			}
			deadline := time.Now().Add(20 * time.Second)
			for sess.Legs[0].Stats().Early < 15 || sess.Legs[1].Stats().Early < 15 {
				if time.Now().After(deadline) {
					t.Fatalf("early media never arrived: %d/%d packets\n%s", sess.Legs[0].Stats().Early, sess.Legs[1].Stats().Early, traces(dir))
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := srs.Activate(ctx, sess.CallID); err != nil {
				t.Fatalf("Activate: %v\n%s", err, traces(dir))
			}
			if err := <-waited; err != nil {
				t.Fatalf("sipp: %v\n%s%s", err, out.String(), traces(dir))
			}

			if !bytes.Contains(sess.Metadata, []byte(tt.key)) {
				t.Errorf("metadata lacks %s:\n%s", tt.key, sess.Metadata)
			}
			ans := sess.ActivationAnswer()
			for _, want := range []string{"a=label:" + tt.call.Labels[0], "a=label:" + tt.call.Labels[1], "a=sendonly"} {
				if !strings.Contains(ans, want) {
					t.Errorf("sipp's answer to the re-INVITE lacks %q:\n%s", want, ans)
				}
			}
			for i, freq := range []float64{440, 1000} {
				st := sess.Legs[i].Stats()
				from := netip.AddrPortFrom(loopback, uint16(mp+2*i))
				if st.Early != 15 || st.Sources[from] != st.Packets || len(st.Sources) != 1 {
					t.Errorf("leg %d: %d early, sources %v, want all %d packets from %v", i, st.Early, st.Sources, st.Packets, from)
				}
				w := &tone.WAV{SampleRate: tone.SampleRate, Channels: [][]int16{st.Samples}}
				r := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{440, 1000, 2600}})
				if err := r.Check(tone.Expect{Freq: freq, Duration: legs}); err != nil {
					t.Errorf("leg %d: %v", i, err)
				}
				if l, _ := r.Channels[0].Tone(2600); l.Duration > 0 {
					t.Errorf("leg %d: early 2600 Hz leaked into the recording", i)
				}
			}
			select {
			case <-sess.Ended:
			case <-time.After(5 * time.Second):
				t.Error("no BYE reached the SRS")
			}
		})
	}
}

// traces returns sipp's message and error logs for a failure message.
func traces(dir string) string {
	var b strings.Builder
	for _, f := range []string{"errors.log", "messages.log"} {
		if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
			b.WriteString("--- " + f + "\n")
			b.Write(data)
		}
	}
	return b.String()
}
