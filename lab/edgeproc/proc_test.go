package edgeproc

import (
	"errors"
	"os"
	"runtime"
	"testing"
	"time"
)

// A real /proc/<pid>/stat line with a command name that holds spaces and a
// parenthesis.
const statLine = "4242 (cogito (edge) x) S 1 4242 4242 0 -1 4194560 2711 0 0 0 1234 567 0 0 20 0 9 0 123456 1831489536 3365 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

const statusText = `Name:	cogito-edge
Umask:	0022
State:	S (sleeping)
Tgid:	4242
VmPeak:	 1788564 kB
VmHWM:	   20480 kB
VmRSS:	   13460 kB
RssAnon:	    5120 kB
Threads:	9
`

func TestParseStat(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    ProcStat
		wantErr bool
	}{
		"parens in name": {in: statLine, want: ProcStat{UTime: 12340 * time.Millisecond, STime: 5670 * time.Millisecond, Threads: 9}},
		"no name":        {in: "4242 cogito S 1", wantErr: true},
		"truncated":      {in: "4242 (x) S 1 2 3", wantErr: true},
		"not numbers":    {in: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 a b 0 0 20 0 c 0 0", wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var p ProcStat
			err := parseStat([]byte(tt.in), &p)
			if tt.wantErr {
				if !errors.Is(err, ErrProc) {
					t.Fatalf("err = %v, want ErrProc", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p != tt.want {
				t.Fatalf("got %+v, want %+v", p, tt.want)
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := map[string]struct {
		in           string
		rss, peak    uint64
		wantErr      bool
		errSubstring string
	}{
		"normal":    {in: statusText, rss: 13460 << 10, peak: 20480 << 10},
		"zombie":    {in: "Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n", wantErr: true},
		"bad unit":  {in: "VmRSS:\t1 MB\nVmHWM:\t1 kB\n", wantErr: true},
		"bad value": {in: "VmRSS:\tx kB\nVmHWM:\t1 kB\n", wantErr: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var p ProcStat
			err := parseStatus([]byte(tt.in), &p)
			if tt.wantErr {
				if !errors.Is(err, ErrProc) {
					t.Fatalf("err = %v, want ErrProc", err)
				}
				return
			}
			if err != nil || p.RSS != tt.rss || p.PeakRSS != tt.peak {
				t.Fatalf("got %+v, %v", p, err)
			}
		})
	}
}

func TestReadProcSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	a, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn some CPU so the second reading differs.
	deadline := time.Now().Add(60 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	b, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if a.RSS == 0 || a.PeakRSS < a.RSS || a.Threads < 1 {
		t.Fatalf("implausible: %+v", a)
	}
	if b.CPU() < a.CPU() || CPUPercent(a, b) < 0 || CPUPercent(a, b) > 100*float64(runtime.NumCPU())+50 {
		t.Fatalf("CPU went from %v to %v (%.0f%%)", a.CPU(), b.CPU(), CPUPercent(a, b))
	}
	if _, err := ReadProc(-1); !errors.Is(err, ErrProc) {
		t.Fatalf("ReadProc(-1) = %v", err)
	}
}

func TestCPUPercent(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := map[string]struct {
		a, b ProcStat
		want float64
	}{
		"one core":  {ProcStat{At: t0}, ProcStat{At: t0.Add(time.Second), UTime: 700 * time.Millisecond, STime: 300 * time.Millisecond}, 100},
		"two cores": {ProcStat{At: t0, UTime: time.Second}, ProcStat{At: t0.Add(2 * time.Second), UTime: 4 * time.Second, STime: time.Second}, 200},
		"no time":   {ProcStat{At: t0}, ProcStat{At: t0, UTime: time.Second}, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CPUPercent(tt.a, tt.b); got != tt.want {
				t.Fatalf("CPUPercent = %v, want %v", got, tt.want)
			}
		})
	}
}
