package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/cogito/cogito-edge/lab/edgeproc"
)

// printBenchProgress writes one line per finished step.
func printBenchProgress(w io.Writer, r *benchRow) {
	fmt.Fprintf(w, "step %5d calls: %d active in %v; appliance %5.1f%% CPU, %6.1f MB; recv %.0f pps; sent %d, received %d, lost %d, late %.0f",
		r.calls, r.activated, r.ramp.Round(100e6), r.edgeCPU, mb(r.rss), r.recvPPS, r.sent, r.recv, r.lost(), r.late)
	if r.base != nil {
		fmt.Fprintf(w, "; udpsink %5.1f%% CPU at %.0f pps", r.base.cpu, r.base.pps)
	}
	fmt.Fprintln(w)
	if r.genLate+r.genSkipped+r.genSendErrors > 0 {
		fmt.Fprintf(w, "  callgen: %d packets sent late (> ptime/2), %d skipped after stalls, %d send errors\n", r.genLate, r.genSkipped, r.genSendErrors)
	}
	for _, e := range r.errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

// printBenchTable writes the final table and its reading.
func printBenchTable(w io.Writer, o benchOptions, res *benchResult) {
	fmt.Fprintln(w, "\n== cogito-edge bench: concurrent active calls, 2 legs x 50 pps PCMU, plain RTP ==")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "calls\tpps sent\tpps recv\tCPU %\tCPU/call\tns/pkt\tRSS MB\tRSS/call KB\tlost\tlate\tdrops\tkernel drops\tsetup fail\tgen skipped\tgen CPU %\thost CPU %\tother CPU %\tsink CPU %\tsink ns/pkt\tratio\t")
	for _, r := range res.rows {
		perCall, rssPerCall := 0.0, 0.0
		if r.activated > 0 {
			perCall = r.edgeCPU / float64(r.activated)
			if r.rss > res.idleRSS {
				rssPerCall = float64(r.rss-res.idleRSS) / 1024 / float64(r.activated)
			}
		}
		sinkCPU, sinkNs, ratio := "-", "-", "-"
		if r.base != nil && r.base.cpu > 0 {
			sinkCPU = fmt.Sprintf("%.1f", r.base.cpu)
			sinkNs = fmt.Sprintf("%.0f", r.base.nsPerPkt)
			ratio = fmt.Sprintf("%.2fx", r.edgeCPU/r.base.cpu)
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%.0f\t%.1f\t%.3f%%\t%.0f\t%.1f\t%.1f\t%d\t%.0f\t%s\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t\n",
			r.calls, r.sentPPS, r.recvPPS, r.edgeCPU, perCall, r.nsPerPkt, mb(r.rss), rssPerCall,
			r.lost(), r.late, dropsText(r.drops), r.kernelDrops, r.calls-r.activated+r.failed, r.genSkipped,
			r.genCPU, r.hostCPU, r.otherCPU(), sinkCPU, sinkNs, ratio)
	}
	tw.Flush()
	fmt.Fprintln(w, `
  CPU % is the appliance's utime+stime over the window, in % of one core (the host has`, numCPU(), `);
  ns/pkt is that CPU per packet received. RSS/call is (RSS - idle RSS) / calls. lost counts,
  over the whole step, packets callgen sent that the appliance's per-call recording JSON does
  not count as received; late counts packets received after their playout time (their audio
  is concealed); drops are the appliance's own counters by reason; kernel drops are the host's
  UDP RcvbufErrors (any socket). setup fail counts calls not active or failed; gen skipped
  counts packets callgen could not send on time and skipped (the load fell short of the
  step). gen CPU % is cogito-lab (callgen) itself, host CPU % the whole machine, other CPU %
  the rest of the host (other programs competing for the same cores).
  sink is a bare Go reader (cogito-lab udpsink, same sockets, a goroutine each) on the same
  pacer load; ratio = appliance CPU / sink CPU.`)
	if res.onTmpfs {
		fmt.Fprintf(w, "  Recordings went to tmpfs (%s) and were deleted after each step: the WAV write cost\n  is in the figures, disk latency is not.", res.recDir)
	} else {
		fmt.Fprintf(w, "  Recordings went to %s (disk) and were deleted after each step.", res.recDir)
	}
	if last := lastMeasured(res.rows); last != nil {
		fmt.Fprintf(w, " At %d calls the appliance wrote %.1f MB/s of WAV (%.0f kB/s per call).\n",
			last.activated, last.wavBPS/1e6, last.wavBPS/1e3/float64(max(1, last.activated)))
	} else {
		fmt.Fprintln(w)
	}
	if best := res.bestZeroLoss(); best != nil {
		fmt.Fprintf(w, "\nhighest step with zero loss: %d calls (%.0f pps received, appliance %.1f%% CPU, %.1f MB RSS)",
			best.calls, best.recvPPS, best.edgeCPU, mb(best.rss))
		if best.base != nil && best.base.cpu > 0 {
			fmt.Fprintf(w, "; %.2fx the CPU of a bare UDP reader", best.edgeCPU/best.base.cpu)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "\nno step ran without loss")
	}
	target := 2000
	if best := res.bestZeroLoss(); best == nil || best.calls < target {
		fmt.Fprintf(w, "target %d calls (%d pps) NOT reached", target, target*pktPerCall)
		if len(res.rows) > 0 && res.rows[len(res.rows)-1].calls < target && res.rows[len(res.rows)-1].clean() {
			fmt.Fprintf(w, " (the ramp stopped at --max %d)", o.max)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "target %d calls (%d pps) reached without loss", target, target*pktPerCall)
		if best.late > 0 {
			fmt.Fprintf(w, "; %.0f packets (%.3f%%) arrived after their playout time", best.late, 100*best.late/float64(max(1, best.recv)))
		}
		fmt.Fprintln(w)
	}
	if last := res.rows[len(res.rows)-1]; !last.clean() {
		fmt.Fprintf(w, "the ramp stopped at %d calls: %s\n", last.calls, last.verdict())
		if last.lost() == 0 && last.noRecording == 0 && last.activated == last.calls && last.failed == 0 {
			fmt.Fprintf(w, "  there the generator, not the appliance, was the limit: the appliance received all %d packets it was sent (%.0f pps in the window)\n",
				last.sent, last.recvPPS)
		}
	}
	for _, r := range res.rows {
		if r.hostCPU > 180*float64(numCPU())/2 {
			fmt.Fprintf(w, "from %d calls on the host was saturated (%.0f%% of %d cores busy: generator %.0f%%, others %.0f%%): the appliance's CPU %% is what it got, not what it would use alone\n",
				r.calls, r.hostCPU, numCPU(), r.genCPU, r.otherCPU())
			break
		}
	}
}

func lastMeasured(rows []*benchRow) *benchRow {
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].window > 0 {
			return rows[i]
		}
	}
	return nil
}

// dropsText renders drops by reason, "-" for none.
func dropsText(d map[string]float64) string {
	if len(d) == 0 {
		return "-"
	}
	var out []string
	for k, v := range d {
		out = append(out, fmt.Sprintf("%s=%.0f", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// printBenchLogs summarises the appliance's warnings and errors.
func printBenchLogs(w io.Writer, path string, logs []edgeproc.LogLine) {
	var other []string
	var warns, errs, raw int
	for _, l := range logs {
		switch l.Level {
		case "WARN":
			warns++
			other = append(other, "WARN "+l.Msg)
		case "ERROR":
			errs++
			other = append(other, "ERROR "+l.Msg)
		case "":
			raw++
			other = append(other, "TEXT "+l.Raw)
		}
	}
	fmt.Fprintf(w, "\nappliance log %s: %d lines, %d warnings, %d errors, %d not JSON\n", path, len(logs), warns, errs, raw)
	all := summarize(other)
	for _, s := range all[:min(10, len(all))] {
		fmt.Fprintf(w, "  %s\n", s)
	}
}
