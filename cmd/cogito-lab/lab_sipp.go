package main

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/lab/edgeproc"
	"github.com/cogito/cogito-edge/lab/pcap"
	"github.com/cogito/cogito-edge/lab/sipp"
	"github.com/cogito/cogito-edge/lab/tone"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// prepareSIPp finds the scenarios: --scenarios, or the copies built into
// cogito-lab written to the artefacts directory.
func (l *lab) prepareSIPp() error {
	if l.o.scenarios != "" {
		abs, err := filepath.Abs(l.o.scenarios)
		if err != nil {
			return err
		}
		for _, f := range []string{sipp.Inbound, sipp.Outbound} {
			if _, err := os.Stat(filepath.Join(abs, f)); err != nil {
				return fmt.Errorf("--scenarios: %w", err)
			}
		}
		l.scenarios = abs
		return nil
	}
	l.scenarios = filepath.Join(l.dir, "scenarios")
	return os.CopyFS(l.scenarios, sipp.Scenarios)
}

// runSIPpInbound: the customer calls in over TCP; the caller's stream
// (customer, 440 Hz) comes first.
func (l *lab) runSIPpInbound(ctx context.Context, c *labCall) {
	call := freshKeys(true, time.Now())
	c.keys = []string{"ucid=" + call.UCID, "uui=" + call.UUI}
	c.agentID = "agent-sipp-in"
	l.runSIPp(ctx, c, sipp.Inbound, "tcp", call, [2]float64{customerTone, agentTone})
}

// runSIPpOutbound: the agent dials out over UDP; the caller's stream
// (agent, 1000 Hz) comes first, the callee (customer, 440 Hz) second.
func (l *lab) runSIPpOutbound(ctx context.Context, c *labCall) {
	call := freshKeys(false, time.Now())
	c.keys = []string{"conversation_id=" + call.ConversationID}
	c.agentID = "agent-sipp-out"
	l.runSIPp(ctx, c, sipp.Outbound, "udp", call, [2]float64{agentTone, customerTone})
}

// runSIPp plays one SBC call with SIPp: early media while pending, the CTI
// start once the appliance lists the call pending and has dropped the
// early packets, then both legs until SIPp's BYE.
func (l *lab) runSIPp(ctx context.Context, c *labCall, scenario, transport string, call sipp.Call, mline [2]float64) {
	c.early = earlyPackets
	c.key = matchKey(call)
	c.keys = append(c.keys, "labels="+call.Labels[0]+","+call.Labels[1])
	perLeg := uint64(c.sent / (20 * time.Millisecond))
	c.sentPkts["external"], c.sentPkts["internal"] = perLeg, perLeg

	mp, err := edgeproc.FreeUDPPair(loopback)
	if err != nil {
		c.fail("media ports for SIPp: %v", err)
		return
	}
	lp, err := edgeproc.FreePort(loopback, transport)
	if err != nil {
		c.fail("SIP port for SIPp: %v", err)
		return
	}
	src, dst := netip.AddrPortFrom(loopback, uint16(mp)), netip.AddrPortFrom(loopback, 40000)
	legs, early := filepath.Join(c.dir, "legs.pcap"), filepath.Join(c.dir, "early.pcap")
	if err := writePcapFile(legs, pcap.RTPConfig{Streams: pcap.Legs(src, dst, tone.Tone{Freq: mline[0]}, tone.Tone{Freq: mline[1]}), Duration: c.sent}); err != nil {
		c.fail("%v", err)
		return
	}
	if err := writePcapFile(early, pcap.RTPConfig{Streams: pcap.Legs(src, dst, tone.Tone{Freq: earlyTone}, tone.Tone{Freq: earlyTone}), Duration: earlyAudio}); err != nil {
		c.fail("%v", err)
		return
	}
	var inj bytes.Buffer
	if err := sipp.WriteInjection(&inj, []sipp.Call{call}); err != nil {
		c.fail("%v", err)
		return
	}
	csv := filepath.Join(c.dir, "calls.csv")
	if err := os.WriteFile(csv, inj.Bytes(), 0o644); err != nil {
		c.fail("%v", err)
		return
	}
	opts := sipp.Options{
		Scenario: filepath.Join(l.scenarios, scenario), Target: l.edge.SIPAddr(), Transport: transport,
		LocalPort: lp, MediaPort: mp, Injection: csv, LegsPcap: legs, EarlyPcap: early,
		Hold: c.sent + 500*time.Millisecond, Timeout: c.sent + 90*time.Second, TraceDir: c.dir,
		Rate: 10, // SIPp places its first call 1/rate after it starts
	}
	cmd := sipp.Command(ctx, l.o.sipp, opts)
	cmd.Dir = c.dir // sipp writes its statistics files into its working directory
	logPath := filepath.Join(c.dir, "sipp.log")
	logf, err := os.Create(logPath)
	if err != nil {
		c.fail("%v", err)
		return
	}
	defer logf.Close()
	fmt.Fprintf(logf, "$ %s %s\n", l.o.sipp, strings.Join(opts.Args(), " "))
	cmd.Stdout, cmd.Stderr = logf, logf
	c.files["sipp"] = logPath
	invited := time.Now()
	if err := cmd.Start(); err != nil {
		c.fail("start sipp: %v", err)
		return
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	defer func() {
		select {
		case <-exited:
		default: // a failure path: stop only the sipp we started
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	// The appliance lists the call pending.
	pending, err := l.waitWhileRunning(ctx, exited, 15*time.Second, edgeproc.HasKey(c.key, "pending"))
	if err != nil {
		c.fail("the appliance never listed %s pending: %v%s", c.key, err, sippExit(exited, &waitErr, c.dir))
		return
	}
	c.session, c.pendingIn = pending.ID, time.Since(invited)
	// Early media reaches the appliance and is dropped while pending.
	want := uint64(2 * c.early)
	got, err := l.waitWhileRunning(ctx, exited, 5*time.Second, func(x edgeproc.Call) bool {
		return x.ID == c.session && x.Dropped("inactive") >= want
	})
	if err == nil {
		c.drops = got.Dropped("inactive")
	} else if calls, err := l.edge.Calls(ctx); err == nil {
		for _, x := range calls {
			if x.ID == c.session {
				c.drops = x.Dropped("inactive")
			}
		}
	}
	ev := cti.Event{Type: cti.Start, Direction: c.direction, AgentID: c.agentID, At: time.Now().UTC()}
	if call.UCID != "" {
		ev.UCID = call.UCID
	} else {
		ev.ConversationID = call.ConversationID
	}
	c.ctiAt = time.Now()
	if c.cti, err = l.postCTI(ctx, c, ev); err != nil {
		c.fail("%v", err)
		return
	}
	t := time.NewTimer(c.sent + 30*time.Second)
	defer t.Stop()
	select {
	case <-exited:
		if waitErr != nil {
			c.fail("sipp: %v%s", waitErr, sippTraces(c.dir))
		}
	case <-t.C:
		c.fail("sipp did not finish within %v of the CTI start%s", c.sent+30*time.Second, sippTraces(c.dir))
		return
	case <-ctx.Done():
		c.fail("%v", ctx.Err())
		return
	}
	l.waitRecording(ctx, c)
}

// waitWhileRunning waits for a call matching match, giving up when the
// tool exits (closing exited), after timeout, or when ctx ends.
func (l *lab) waitWhileRunning(ctx context.Context, exited <-chan struct{}, timeout time.Duration, match func(edgeproc.Call) bool) (edgeproc.Call, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-wctx.Done():
		}
	}()
	return l.edge.WaitCall(wctx, match)
}

// waitRecording waits for the session's closed recording.
func (l *lab) waitRecording(ctx context.Context, c *labCall) {
	if c.session == "" {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	rec, err := l.edge.WaitRecording(rctx, c.session)
	if err != nil {
		c.fail("%v", err)
		return
	}
	c.rec = rec
}

// sippExit says how sipp ended, when it has.
func sippExit(exited <-chan struct{}, err *error, dir string) string {
	select {
	case <-exited:
		return fmt.Sprintf(" (sipp exited: %v)%s", *err, sippTraces(dir))
	default:
		return ""
	}
}

// sippTraces returns the end of sipp's error log, for a failure message.
func sippTraces(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "errors.log"))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return ""
	}
	if len(data) > 1500 {
		data = data[len(data)-1500:]
	}
	return "\n--- sipp errors.log (end):\n" + string(data)
}

// writePcapFile writes an RTP tone pcap.
func writePcapFile(path string, cfg pcap.RTPConfig) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = pcap.WriteRTP(f, cfg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// canRawSocket reports whether this process may open the raw socket
// SIPp's play_pcap_audio needs (root or CAP_NET_RAW).
func canRawSocket() bool {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW, syscall.IPPROTO_UDP)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}
