// Package sipp holds the lab's SIPp scenarios, which play an Oracle SBC
// towards a SIPREC recording server, and helpers to run them: the injection
// file with each call's keys and labels, and the sipp command line.
//
// The scenarios are plain files next to this one (oracle_inbound.xml,
// oracle_outbound.xml); README.md explains them and the command lines.
package sipp

import (
	"context"
	"embed"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Scenarios holds the scenario files, for tools that run sipp from
// elsewhere (write them out with os.CopyFS).
//
//go:embed *.xml
var Scenarios embed.FS

// Scenario file names.
const (
	Inbound  = "oracle_inbound.xml"
	Outbound = "oracle_outbound.xml"
)

// Call is one line of the injection file: the per-call values the
// scenarios insert as [field0]..[field4].
type Call struct {
	UCID           string    // field0: apkt:ucid (inbound)
	UUI            string    // field1: User-to-User hex, without ;encoding=hex (inbound)
	ConversationID string    // field2: x-inin-cnv (outbound)
	Labels         [2]string // field3, field4: stream labels of the caller and the callee
}

// WriteInjection writes a SEQUENTIAL -inf file: call i of a run uses line i.
func WriteInjection(w io.Writer, calls []Call) error {
	var b strings.Builder
	b.WriteString("SEQUENTIAL\n")
	for _, c := range calls {
		for _, f := range []string{c.UCID, c.UUI, c.ConversationID, c.Labels[0], c.Labels[1]} {
			if strings.ContainsAny(f, ";\n") {
				return fmt.Errorf("sipp: injection field %q contains ';' or a newline", f)
			}
		}
		fmt.Fprintf(&b, "%s;%s;%s;%s;%s\n", c.UCID, c.UUI, c.ConversationID, c.Labels[0], c.Labels[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Options is one sipp run of a scenario.
type Options struct {
	Scenario  string         // path of the scenario file
	Target    netip.AddrPort // the SRS
	Transport string         // "tcp" (t1, default) or "udp" (u1)
	LocalIP   netip.Addr     // -i; default 127.0.0.1
	LocalPort int            // -p; 0 lets sipp pick (5060 upwards)
	MediaIP   netip.Addr     // -mi; default LocalIP
	MediaPort int            // -mp: first leg's RTP port, the second uses +2
	Injection string         // -inf file (see WriteInjection)
	LegsPcap  string         // -key legs_pcap
	EarlyPcap string         // -key early_pcap (an empty pcap plays nothing)
	Hold      time.Duration  // -d: time to let the legs pcap play before BYE
	Calls     int            // -m; default 1
	Rate      float64        // -r calls per second; default 1
	Limit     int            // -l concurrent calls; 0 = sipp's default
	Timeout   time.Duration  // -timeout for the whole run; default 3 minutes
	TraceDir  string         // when set, -trace_msg -trace_err into this directory
}

// Args returns the sipp arguments for o.
func (o Options) Args() []string {
	transport := "t1"
	if strings.EqualFold(o.Transport, "udp") {
		transport = "u1"
	}
	ip := o.LocalIP
	if !ip.IsValid() {
		ip = netip.MustParseAddr("127.0.0.1")
	}
	mediaIP := o.MediaIP
	if !mediaIP.IsValid() {
		mediaIP = ip
	}
	calls := max(o.Calls, 1)
	rate := o.Rate
	if rate <= 0 {
		rate = 1
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Minute
	}
	args := []string{
		o.Target.String(),
		"-sf", o.Scenario,
		"-t", transport,
		"-i", ip.String(),
		"-mi", mediaIP.String(),
		"-mp", strconv.Itoa(o.MediaPort),
		"-inf", o.Injection,
		"-key", "legs_pcap", o.LegsPcap,
		"-key", "early_pcap", o.EarlyPcap,
		"-d", strconv.FormatInt(o.Hold.Milliseconds(), 10),
		"-m", strconv.Itoa(calls),
		"-r", strconv.FormatFloat(rate, 'f', -1, 64),
		"-timeout", strconv.FormatInt(int64(timeout.Seconds()), 10) + "s",
		"-timeout_error",
		"-nostdin",
		"-nd", // no default behaviours: an unexpected message fails the call
	}
	if o.LocalPort > 0 {
		args = append(args, "-p", strconv.Itoa(o.LocalPort))
	}
	if o.Limit > 0 {
		args = append(args, "-l", strconv.Itoa(o.Limit))
	}
	if o.TraceDir != "" {
		args = append(args, "-trace_msg", "-message_file", o.TraceDir+"/messages.log",
			"-trace_err", "-error_file", o.TraceDir+"/errors.log")
	}
	return args
}

// Command returns the sipp command for o; sipp is the binary (default
// "sipp" from PATH).
func Command(ctx context.Context, sipp string, o Options) *exec.Cmd {
	if sipp == "" {
		sipp = "sipp"
	}
	return exec.CommandContext(ctx, sipp, o.Args()...)
}
