package edgeproc

import (
	"errors"
	"testing"
	"time"
)

const snmp = `Ip: Forwarding DefaultTTL
Ip: 1 64
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
Udp: 2737029 28 4051838 6790166 4051830 3 0 0 0
UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
UdpLite: 0 0 0 0 0 0 0 0 0
`

func TestParseSNMP(t *testing.T) {
	tests := map[string]struct {
		in   string
		want UDPStats
		err  bool
	}{
		"kernel":        {in: snmp, want: UDPStats{InDatagrams: 2737029, NoPorts: 28, InErrors: 4051838, RcvbufErrors: 4051830, SndbufErrors: 3}},
		"no udp":        {in: "Ip: a\nIp: 1\n", err: true},
		"header only":   {in: "Udp: InDatagrams\n", err: true},
		"short values":  {in: "Udp: InDatagrams NoPorts\nUdp: 1\n", err: true},
		"not a number":  {in: "Udp: InDatagrams\nUdp: x\n", err: true},
		"unknown names": {in: "Udp: Foo InDatagrams\nUdp: 9 7\n", want: UDPStats{InDatagrams: 7}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseSNMP([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrProc) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestParseHostCPU(t *testing.T) {
	tests := map[string]struct {
		in          string
		busy, total time.Duration
		err         bool
	}{
		// user nice system idle iowait irq softirq steal guest guest_nice
		"kernel": {in: "cpu  100 0 50 800 10 0 40 0 30 0\ncpu0 1 2 3 4\n", busy: 1900 * time.Millisecond, total: 10 * time.Second},
		"old":    {in: "cpu 100 0 100 200\n", busy: 2 * time.Second, total: 4 * time.Second},
		"no cpu": {in: "intr 1 2\n", err: true},
		"bad":    {in: "cpu a b c d\n", err: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseHostCPU([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrProc) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || got.Busy != tt.busy || got.Total != tt.total {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	t0 := time.Unix(0, 0)
	if p := HostBusyPercent(HostCPU{At: t0}, HostCPU{At: t0.Add(time.Second), Busy: 1500 * time.Millisecond}); p != 150 {
		t.Fatalf("HostBusyPercent = %v", p)
	}
}

func TestReadHost(t *testing.T) {
	if _, err := ReadUDPStats(); err != nil {
		t.Skipf("no /proc/net/snmp: %v", err)
	}
	h, err := ReadHostCPU()
	if err != nil || h.Total <= 0 || h.Busy > h.Total {
		t.Fatalf("%+v %v", h, err)
	}
}
