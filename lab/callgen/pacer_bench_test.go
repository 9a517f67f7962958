package callgen

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/tone"
)

// cpuTime returns the process's user+system CPU time.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPacerLoad is the `make bench` load: 4,000 legs (2,000 calls) at
// 50 packets/s each on the default workers, sending to a socket that never
// reads (the kernel drops what overflows, so only the sender is measured).
// ns/op is wall time per packet and is fixed by the pacing (5 µs at 4,000
// legs); cpu-ns/pkt is what each packet costs the process, syscall included.
func BenchmarkPacerLoad(b *testing.B) {
	const legs = 4000
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	sink.SetReadBuffer(4096)
	dst := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	per := uint64(max(1, b.N/legs))
	table := newPayloadTable(tone.Tone{Freq: 440}, tone.PCMU, 160)
	all := make([]*leg, legs)
	for i := range all {
		l, err := newLeg(loopback, table, 0, per, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer l.close()
		l.dst.Store(&dst)
		all[i] = l
	}
	p := newPacer(Config{}.workersOrDefault(), 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); p.wait() }()
	p.start(ctx)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for _, l := range all {
		p.add(l)
	}
	for _, l := range all {
		<-l.done
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	var sent, skipped, errs, late uint64
	for _, l := range all {
		sent += l.stats.packets.Load()
		skipped += l.stats.skipped.Load()
		errs += l.stats.sendErrors.Load()
		late += l.stats.late.Load()
	}
	_, lateTicks := p.tickStats()
	if sent > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(sent), "cpu-ns/pkt")
	}
	b.ReportMetric(float64(skipped), "skipped")
	b.ReportMetric(float64(errs), "send-errors")
	b.ReportMetric(float64(late), "late-pkts")
	b.ReportMetric(float64(lateTicks), "late-ticks")
}
