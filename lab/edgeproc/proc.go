package edgeproc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux architecture's user ABI.
const clockTicks = 100

// ProcStat is a process's CPU time and memory at one moment, from
// /proc/<pid>/stat and /proc/<pid>/status.
type ProcStat struct {
	At      time.Time
	UTime   time.Duration // user CPU
	STime   time.Duration // system CPU
	Threads int
	RSS     uint64 // resident set (VmRSS), bytes
	PeakRSS uint64 // high-water mark (VmHWM), bytes
}

// CPU returns user + system time.
func (p ProcStat) CPU() time.Duration { return p.UTime + p.STime }

// CPUPercent returns the CPU used between a and b as a percentage of one
// core (200% is two cores busy).
func CPUPercent(a, b ProcStat) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return 100 * float64(b.CPU()-a.CPU()) / float64(wall)
}

// Usage reads the appliance's CPU time and memory.
func (e *Edge) Usage() (ProcStat, error) { return ReadProc(e.PID()) }

// ReadProc reads pid's CPU time and memory from /proc (Linux).
func ReadProc(pid int) (ProcStat, error) {
	p := ProcStat{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, fmt.Errorf("%w: %w", ErrProc, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, fmt.Errorf("%w: %w", ErrProc, err)
	}
	if err := parseStat(stat, &p); err != nil {
		return p, err
	}
	if err := parseStatus(status, &p); err != nil {
		return p, err
	}
	return p, nil
}

// parseStat reads utime (field 14), stime (15) and num_threads (20) of
// /proc/<pid>/stat. The command name (field 2) is in parentheses and may
// itself hold spaces and parentheses, so fields are counted from the last
// ')'.
func parseStat(b []byte, p *ProcStat) error {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return fmt.Errorf("%w: stat: no command name", ErrProc)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 18 {
		return fmt.Errorf("%w: stat: %d fields after the command", ErrProc, len(f))
	}
	ut, err1 := strconv.ParseUint(string(f[14-3]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[15-3]), 10, 64)
	th, err3 := strconv.Atoi(string(f[20-3]))
	if err1 != nil || err2 != nil || err3 != nil {
		return fmt.Errorf("%w: stat: utime %q stime %q threads %q", ErrProc, f[14-3], f[15-3], f[20-3])
	}
	p.UTime = time.Duration(ut) * time.Second / clockTicks
	p.STime = time.Duration(st) * time.Second / clockTicks
	p.Threads = th
	return nil
}

// parseStatus reads VmRSS and VmHWM ("VmRSS:\t  13460 kB") of
// /proc/<pid>/status. A zombie has neither; that is an error.
func parseStatus(b []byte, p *ProcStat) error {
	found := 0
	for line := range bytes.Lines(b) {
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *uint64
		switch string(name) {
		case "VmRSS":
			dst = &p.RSS
		case "VmHWM":
			dst = &p.PeakRSS
		default:
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return fmt.Errorf("%w: status: %s: %q", ErrProc, name, bytes.TrimSpace(rest))
		}
		kb, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: status: %s: %q", ErrProc, name, f[0])
		}
		*dst = kb << 10
		found++
	}
	if found < 2 {
		return fmt.Errorf("%w: status: no VmRSS/VmHWM (process exited?)", ErrProc)
	}
	return nil
}
