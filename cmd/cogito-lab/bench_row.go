package main

import (
	"fmt"
	"strings"
	"time"
)

// benchRow is one step of the ramp.
type benchRow struct {
	calls     int
	activated int
	failed    int           // calls that failed, setup or later
	errors    []string      // their errors, summarised
	ramp      time.Duration // from the first INVITE to all calls active
	window    time.Duration // measured steady window

	// Over the window.
	sentPPS, recvPPS float64
	edgeCPU          float64 // % of one core
	genCPU           float64 // cogito-lab itself: mostly the generator
	hostCPU          float64 // the whole host: other load shows here
	rss              uint64
	nsPerPkt         float64 // appliance CPU per packet received
	wavBPS           float64 // recording bytes written per second

	// Over the whole step, from callgen's reports and the recordings.
	sent, recv, lostSeq uint64
	noRecording         int
	drops               map[string]float64 // media drops by reason
	kernelDrops         uint64             // host UDP RcvbufErrors (any socket)
	writeDrops          float64            // recording samples dropped
	genLate, genSkipped uint64             // callgen packets sent late, or skipped after a stall
	late                float64            // packets the appliance received after their playout time
	genSendErrors       uint64             // callgen sends that failed

	// Baseline: udpsink on the same pacer load.
	base *baseRow
}

// baseRow is the baseline receiver's figures.
type baseRow struct {
	pps, cpu, nsPerPkt float64
	lost               uint64
}

// lost is what the appliance did not receive of what callgen sent. The
// sequence gaps the appliance counts (lostSeq) are not used: they include
// the packets callgen skipped after its own stalls, which were never sent.
func (r *benchRow) lost() uint64 {
	if r.recv >= r.sent {
		return 0
	}
	return r.sent - r.recv
}

// valid reports a step that ran as asked: every call active, none failed,
// and callgen kept the pace (skipped nothing).
func (r *benchRow) valid() bool {
	return r.activated == r.calls && r.failed == 0 && r.genSkipped == 0
}

// clean reports a valid step in which the appliance lost no packet.
func (r *benchRow) clean() bool {
	return r.valid() && r.lost() == 0 && r.noRecording == 0
}

// lossShape says where the lost packets were: inside the calls (gaps in
// the sequence numbers the appliance saw) or after the last packet each
// call's recording counts, i.e. at the end of calls, around the BYE.
func (r *benchRow) lossShape() string {
	gaps := r.lostSeq - min(r.lostSeq, r.genSkipped)
	tail := r.lost() - min(r.lost(), gaps)
	return fmt.Sprintf("%d inside calls as sequence gaps, %d at the end of calls; %.0f dropped \"inactive\", %d host UDP buffer overflows",
		gaps, tail, r.drops["inactive"], r.kernelDrops)
}

// otherCPU is the host's busy CPU not used by the appliance or cogito-lab.
func (r *benchRow) otherCPU() float64 { return max(0, r.hostCPU-r.edgeCPU-r.genCPU) }

// verdict says why a step is not clean, "" when it is.
func (r *benchRow) verdict() string {
	var why []string
	if n := r.lost(); n > 0 {
		why = append(why, fmt.Sprintf("%d packets lost (%s)", n, r.lossShape()))
	}
	if r.noRecording > 0 {
		why = append(why, fmt.Sprintf("%d calls without a recording", r.noRecording))
	}
	if r.activated < r.calls || r.failed > 0 {
		why = append(why, fmt.Sprintf("%d of %d calls active, %d failed", r.activated, r.calls, r.failed))
	}
	if r.genSkipped > 0 {
		why = append(why, fmt.Sprintf("callgen could not keep the pace (%d packets skipped after stalls: the host is saturated)", r.genSkipped))
	}
	return strings.Join(why, "; ")
}
