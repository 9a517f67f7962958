package edgeproc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// UDPStats are the host's UDP counters from /proc/net/snmp. They are
// system-wide (the network namespace's): RcvbufErrors counts datagrams
// the kernel dropped because a socket's receive buffer was full, whoever
// owned the socket.
type UDPStats struct {
	InDatagrams  uint64
	NoPorts      uint64
	InErrors     uint64
	RcvbufErrors uint64
	SndbufErrors uint64
}

// ReadUDPStats reads /proc/net/snmp.
func ReadUDPStats() (UDPStats, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return UDPStats{}, fmt.Errorf("%w: %w", ErrProc, err)
	}
	return parseSNMP(b)
}

// parseSNMP reads the "Udp:" header and value lines.
func parseSNMP(b []byte) (UDPStats, error) {
	var names [][]byte
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		if len(f) == 0 || string(f[0]) != "Udp:" {
			continue
		}
		if names == nil {
			names = f[1:]
			continue
		}
		vals := f[1:]
		if len(vals) != len(names) {
			return UDPStats{}, fmt.Errorf("%w: snmp: %d Udp names, %d values", ErrProc, len(names), len(vals))
		}
		var s UDPStats
		for i, n := range names {
			var dst *uint64
			switch string(n) {
			case "InDatagrams":
				dst = &s.InDatagrams
			case "NoPorts":
				dst = &s.NoPorts
			case "InErrors":
				dst = &s.InErrors
			case "RcvbufErrors":
				dst = &s.RcvbufErrors
			case "SndbufErrors":
				dst = &s.SndbufErrors
			default:
				continue
			}
			v, err := strconv.ParseUint(string(vals[i]), 10, 64)
			if err != nil {
				return UDPStats{}, fmt.Errorf("%w: snmp: Udp %s %q", ErrProc, n, vals[i])
			}
			*dst = v
		}
		return s, nil
	}
	return UDPStats{}, fmt.Errorf("%w: snmp: no Udp lines", ErrProc)
}

// HostCPU is the host's aggregate CPU time from the first line of
// /proc/stat, split into busy (everything but idle and iowait) and total.
type HostCPU struct {
	At          time.Time
	Busy, Total time.Duration
}

// ReadHostCPU reads /proc/stat.
func ReadHostCPU() (HostCPU, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return HostCPU{}, fmt.Errorf("%w: %w", ErrProc, err)
	}
	h, err := parseHostCPU(b)
	h.At = time.Now()
	return h, err
}

// parseHostCPU reads "cpu  user nice system idle iowait irq softirq steal
// guest guest_nice" (USER_HZ ticks). guest time is already in user.
func parseHostCPU(b []byte) (HostCPU, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return HostCPU{}, fmt.Errorf("%w: stat: no cpu line", ErrProc)
	}
	var h HostCPU
	for i, v := range f[1:min(len(f), 9)] { // up to steal
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return HostCPU{}, fmt.Errorf("%w: stat: cpu field %d %q", ErrProc, i+1, v)
		}
		d := time.Duration(n) * time.Second / clockTicks
		h.Total += d
		if i != 3 && i != 4 { // idle, iowait
			h.Busy += d
		}
	}
	return h, nil
}

// HostBusyPercent returns the host's busy CPU between a and b as a
// percentage of one core (200% is two cores busy).
func HostBusyPercent(a, b HostCPU) float64 {
	wall := b.At.Sub(a.At)
	if wall <= 0 {
		return 0
	}
	return 100 * float64(b.Busy-a.Busy) / float64(wall)
}
