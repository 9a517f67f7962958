package callgen_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/cogito/cogito-edge/lab/srstest"
	"github.com/cogito/cogito-edge/lab/tone"
)

// startSRS starts a fake SRS closed at cleanup.
func startSRS(t *testing.T, cfg srstest.Config) *srstest.SRS {
	t.Helper()
	srs, err := srstest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srs.Close)
	return srs
}

// startGen starts a generator aimed at srs, closed at cleanup.
func startGen(t *testing.T, srs *srstest.SRS, cfg callgen.Config) *callgen.Generator {
	t.Helper()
	cfg.Target = srs.Addr().String()
	g, err := callgen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// activateOnAnswer is an OnAnswered hook that checks the SRS holds the
// session and then has it activate, as a CTI match would.
func activateOnAnswer(t *testing.T, srs *srstest.SRS) func(context.Context, *callgen.Call) error {
	return func(ctx context.Context, c *callgen.Call) error {
		sess, err := srs.Session(ctx, c.CallID())
		if err != nil {
			return err
		}
		if k := c.Keys(); !bytes.Contains(sess.Metadata, []byte(k.UCID+k.ConversationID)) {
			t.Errorf("metadata lacks the call's key %+v", k)
		}
		go func() {
			if err := srs.Activate(context.WithoutCancel(ctx), c.CallID()); err != nil {
				t.Errorf("Activate: %v", err)
			}
		}()
		return nil
	}
}

// checkMedia verifies what the SRS received against what the call sent:
// nothing before activation, every packet from the advertised port, the
// right tone on each leg for the call's duration.
func checkMedia(t *testing.T, srs *srstest.SRS, c *callgen.Call, d time.Duration) {
	t.Helper()
	sess, err := srs.Session(t.Context(), c.CallID())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-sess.Ended:
	case <-time.After(5 * time.Second):
		t.Fatal("SRS never saw the BYE")
	}
	rep := c.Report()
	if p := rep.AnswerPorts; p[1] != p[0]+2 {
		t.Errorf("answer ports %v are not contiguous", p)
	}
	for i, leg := range rep.Legs {
		st := sess.Legs[i].Stats()
		if st.Early != 0 || st.DecryptErrors != 0 {
			t.Errorf("leg %d: %d early packets, %d decrypt errors", i, st.Early, st.DecryptErrors)
		}
		if len(st.Sources) != 1 || st.Sources[mustAddrPort(t, leg.Local)] != st.Packets {
			t.Errorf("leg %d: sources %v, want only %s", i, st.Sources, leg.Local)
		}
		if uint64(st.Packets) != leg.Packets || len(st.SSRCs) != 1 {
			t.Errorf("leg %d: SRS got %d packets from %d SSRCs, SBC sent %d", i, st.Packets, len(st.SSRCs), leg.Packets)
		}
		w := &tone.WAV{SampleRate: tone.SampleRate, Channels: [][]int16{st.Samples}}
		r := tone.Analyze(w, tone.AnalyzeOptions{Candidates: []float64{440, 1000}})
		if err := r.Check(tone.Expect{Freq: leg.Tone, Duration: d, Tolerance: 0.05}); err != nil {
			t.Errorf("leg %d (%s): %v", i, leg.Role, err)
		}
	}
}

func TestCallFlows(t *testing.T) {
	tests := map[string]struct {
		transport string
		dir       callgen.Direction
		codec     tone.Codec
		caller    float64 // tone expected on the first m-line
	}{
		"udp inbound":        {"udp", callgen.Inbound, tone.PCMU, 440},
		"tcp inbound pcma":   {"tcp", callgen.Inbound, tone.PCMA, 440},
		"tcp outbound":       {"tcp", callgen.Outbound, tone.PCMU, 1000},
		"tls outbound":       {"tls", callgen.Outbound, tone.PCMU, 1000},
		"udp outbound pcma ": {"udp", callgen.Outbound, tone.PCMA, 1000},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srs := startSRS(t, srstest.Config{Transport: tt.transport})
			g := startGen(t, srs, callgen.Config{
				Transport: tt.transport, Direction: tt.dir, Codec: tt.codec, Duration: time.Second,
				OnAnswered: activateOnAnswer(t, srs),
			})
			c, err := g.Place(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			rep := c.Report()
			if rep.Legs[0].Tone != tt.caller || rep.EndedBy != "sbc" || rep.Reinvites != 1 || len(rep.Violations) != 0 {
				t.Fatalf("report: caller tone %v, ended by %q, %d re-INVITEs, violations %v",
					rep.Legs[0].Tone, rep.EndedBy, rep.Reinvites, rep.Violations)
			}
			if !strings.Contains(rep.ReinviteSDP, "a=recvonly") || !strings.Contains(rep.AnswerSDP, "a=inactive") {
				t.Fatalf("SDPs not recorded:\n%s\n%s", rep.AnswerSDP, rep.ReinviteSDP)
			}
			checkMedia(t, srs, c, time.Second)
		})
	}
}

func TestCallSRTPSuites(t *testing.T) {
	for _, suite := range callgen.Suites() {
		t.Run(suite, func(t *testing.T) {
			t.Parallel()
			srs := startSRS(t, srstest.Config{Transport: "tcp"})
			g := startGen(t, srs, callgen.Config{SRTP: suite, Duration: time.Second, OnAnswered: activateOnAnswer(t, srs)})
			c, err := g.Place(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			rep := c.Report()
			if !strings.Contains(rep.OfferSDP, "RTP/SAVP") || !strings.Contains(rep.OfferSDP, "a=crypto:1 "+suite+" inline:") {
				t.Fatalf("offer lacks SDES:\n%s", rep.OfferSDP)
			}
			if rep.Legs[0].SRTP != suite {
				t.Fatalf("leg SRTP = %q", rep.Legs[0].SRTP)
			}
			checkMedia(t, srs, c, time.Second)
		})
	}
}

func TestCallFailures(t *testing.T) {
	tests := map[string]struct {
		srs     srstest.Config
		cfg     callgen.Config
		want    error
		endedBy string
	}{
		"answer not inactive": {
			srs: srstest.Config{Transport: "tcp", AnswerDir: "recvonly"},
			cfg: callgen.Config{}, want: callgen.ErrProtocol, endedBy: "sbc",
		},
		"never activated": {
			srs: srstest.Config{Transport: "udp"},
			cfg: callgen.Config{Transport: "udp", ActivationTimeout: 300 * time.Millisecond}, want: callgen.ErrNotActivated, endedBy: "sbc",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srs := startSRS(t, tt.srs)
			g := startGen(t, srs, tt.cfg)
			c, err := g.Place(t.Context())
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := c.Report().EndedBy; got != tt.endedBy {
				t.Fatalf("ended by %q, want %q", got, tt.endedBy)
			}
			sess, _ := srs.Session(t.Context(), c.CallID())
			select {
			case <-sess.Ended:
			case <-time.After(5 * time.Second):
				t.Fatal("no BYE reached the SRS")
			}
		})
	}
}

// The SRS hangs up mid-call: the call ends cleanly and media stops.
func TestCallRemoteBye(t *testing.T) {
	srs := startSRS(t, srstest.Config{Transport: "tcp", AutoActivate: 20 * time.Millisecond})
	g := startGen(t, srs, callgen.Config{
		Duration: 10 * time.Second,
		OnActivated: func(ctx context.Context, c *callgen.Call) {
			sess, err := srs.Session(ctx, c.CallID())
			if err != nil {
				t.Error(err)
				return
			}
			go func() {
				time.Sleep(300 * time.Millisecond) // let some media flow first
				if err := sess.Hangup(context.WithoutCancel(ctx)); err != nil {
					t.Errorf("Hangup: %v", err)
				}
			}()
		},
	})
	start := time.Now()
	c, err := g.Place(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rep := c.Report()
	if rep.EndedBy != "srs" || time.Since(start) > 5*time.Second || rep.Legs[0].Packets == 0 || rep.Legs[0].Packets > 250 {
		t.Fatalf("ended by %q after %v with %d packets", rep.EndedBy, time.Since(start), rep.Legs[0].Packets)
	}
}

// The SRS holds (inactive re-INVITE) and resumes: no media flows while on
// hold and the call still ends normally.
func TestCallHoldResume(t *testing.T) {
	srs := startSRS(t, srstest.Config{Transport: "udp"})
	held := make(chan [2]int, 1)
	g := startGen(t, srs, callgen.Config{
		Transport: "udp", Duration: 2 * time.Second, OnAnswered: activateOnAnswer(t, srs),
		OnActivated: func(ctx context.Context, c *callgen.Call) {
			go func() {
				ctx := context.WithoutCancel(ctx)
				sess, _ := srs.Session(ctx, c.CallID())
				time.Sleep(300 * time.Millisecond) // some media before the hold
				if err := sess.Reinvite(ctx, "inactive"); err != nil {
					t.Errorf("hold: %v", err)
				}
				time.Sleep(100 * time.Millisecond) // packets already in flight land
				before := c.Report().Legs
				time.Sleep(400 * time.Millisecond) // a hold is silence over time
				after := c.Report().Legs
				held <- [2]int{int(after[0].Packets - before[0].Packets), int(after[1].Packets - before[1].Packets)}
				if err := sess.Reinvite(ctx, "recvonly"); err != nil {
					t.Errorf("resume: %v", err)
				}
			}()
		},
	})
	c, err := g.Place(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := <-held; d != [2]int{} {
		t.Fatalf("packets sent on hold: %v", d)
	}
	rep := c.Report()
	if rep.Reinvites != 3 || rep.Legs[0].Packets == 0 || rep.Legs[0].Packets >= 100 {
		t.Fatalf("%d re-INVITEs, %d packets", rep.Reinvites, rep.Legs[0].Packets)
	}
	sess, _ := srs.Session(t.Context(), c.CallID())
	// Packets in flight when the hold's ACK went out land as "early".
	if st := sess.Legs[1].Stats(); uint64(st.Packets+st.Early) != rep.Legs[1].Packets {
		t.Fatalf("SRS got %d+%d packets, SBC sent %d", st.Packets, st.Early, rep.Legs[1].Packets)
	}
}

// x-inin-cnv arrives only in a metadata re-INVITE, which first meets a 491
// and is retried after the RFC 3261 back-off.
func TestLateConversationIDWithGlare(t *testing.T) {
	srs := startSRS(t, srstest.Config{Transport: "tcp", Glare491: 1})
	g := startGen(t, srs, callgen.Config{
		Direction: callgen.Outbound, LateConversationID: true, ConversationHeader: true, Duration: 500 * time.Millisecond,
		OnAnswered: func(ctx context.Context, c *callgen.Call) error {
			sess, err := srs.Session(ctx, c.CallID())
			if err != nil {
				return err
			}
			if bytes.Contains(sess.Metadata, []byte("x-inin-cnv")) || sess.Invite.GetHeader("X-Inin-Cnv") != nil {
				t.Error("conversation id sent in the initial INVITE")
			}
			return nil
		},
		OnActivated: func(context.Context, *callgen.Call) {},
	})
	go func() {
		// Activate once the metadata update carrying the key arrived.
		for {
			for _, s := range srs.Sessions() {
				if u := s.Updates(); len(u) > 0 && bytes.Contains(u[0], []byte(`label="x-inin-cnv"`)) {
					srs.Activate(t.Context(), s.CallID)
					return
				}
			}
			select {
			case <-t.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	c, err := g.Place(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep := c.Report(); rep.Glare != 1 || rep.ActivatedAt.IsZero() {
		t.Fatalf("glare %d, activated %v", rep.Glare, rep.ActivatedAt)
	}
}

// Run with a CTI URL: the generator posts each call's start event itself
// and the admin stub (decoding strictly, as the appliance does) activates.
func TestRunWithCTIURL(t *testing.T) {
	srs := startSRS(t, srstest.Config{Transport: "tcp"})
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := cti.Decode(r.Body, time.Now)
		if err != nil || r.URL.Path != "/v1/cti" || e.Type != cti.Start {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		key := e.UCID + e.ConversationID
		for _, s := range srs.Sessions() {
			if bytes.Contains(s.Metadata, []byte(key)) {
				go srs.Activate(context.Background(), s.CallID)
				w.WriteHeader(http.StatusAccepted)
				return
			}
		}
		http.Error(w, "no call", http.StatusNotFound)
	}))
	t.Cleanup(admin.Close)
	for _, dir := range []callgen.Direction{callgen.Inbound, callgen.Outbound} {
		rep, err := callgen.Run(t.Context(), callgen.Config{
			Target: srs.Addr().String(), Direction: dir, Calls: 12, Concurrency: 6, Rate: 40,
			Duration: 500 * time.Millisecond, CTIURL: admin.URL + "/v1/cti",
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Completed != 12 || rep.Activated != 12 || rep.MaxActive > 6 || rep.SendErrors != 0 {
			t.Fatalf("%s: %+v", dir, rep.Errors)
		}
		if want := uint64(12 * 2 * 25); rep.Packets+rep.Skipped != want {
			t.Fatalf("%s: %d packets + %d skipped, want %d", dir, rep.Packets, rep.Skipped, want)
		}
		seen := map[string]bool{}
		for _, r := range rep.Results {
			k := r.Keys.UCID + r.Keys.ConversationID + r.Labels[0]
			if seen[k] {
				t.Fatalf("keys reused: %+v", r.Keys)
			}
			seen[k] = true
		}
	}
}

func mustAddrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}
