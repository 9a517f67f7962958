package media

import (
	"testing"
	"time"
)

func TestSeqTracker(t *testing.T) {
	tests := map[string]struct {
		seqs                           []uint16
		expected, received, lost, dups uint64
		last                           seqResult
	}{
		"in order":         {[]uint16{10, 11, 12}, 3, 3, 0, 0, seqNewest},
		"wraparound":       {[]uint16{65534, 65535, 0, 1}, 4, 4, 0, 0, seqNewest},
		"loss":             {[]uint16{1, 2, 5}, 5, 3, 2, 0, seqNewest},
		"loss across wrap": {[]uint16{65535, 2}, 4, 2, 2, 0, seqNewest},
		"reordered":        {[]uint16{1, 3, 2}, 3, 3, 0, 0, seqReordered},
		"duplicate":        {[]uint16{1, 2, 2}, 2, 2, 0, 1, seqDuplicate},
		"old duplicate":    {[]uint16{1, 2, 3, 4, 2}, 4, 4, 0, 1, seqDuplicate},
		"restart":          {[]uint16{100, 101, 40000, 40001}, 4, 4, 0, 0, seqNewest},
		"restart result":   {[]uint16{100, 101, 40000}, 3, 3, 0, 0, seqRestart},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var s seqTracker
			var last seqResult
			for _, q := range tc.seqs {
				last = s.update(q)
			}
			if s.expected() != tc.expected || s.totalReceived() != tc.received ||
				s.lost() != tc.lost || s.duplicates != tc.dups || last != tc.last {
				t.Fatalf("expected %d received %d lost %d dups %d last %d; want %d %d %d %d %d",
					s.expected(), s.totalReceived(), s.lost(), s.duplicates, last,
					tc.expected, tc.received, tc.lost, tc.dups, tc.last)
			}
		})
	}
}

func TestSeqTrackerFoldKeepsTotals(t *testing.T) {
	var s seqTracker
	for _, q := range []uint16{1, 2, 4} { // 4 expected, 3 received
		s.update(q)
	}
	s.fold() // new SSRC
	for _, q := range []uint16{500, 501} {
		s.update(q)
	}
	if s.expected() != 6 || s.totalReceived() != 5 || s.lost() != 1 {
		t.Fatalf("expected %d received %d lost %d", s.expected(), s.totalReceived(), s.lost())
	}
}

func TestInterarrivalJitter(t *testing.T) {
	var e interarrival
	t0 := time.Unix(0, 0)
	// Perfectly paced packets: no jitter.
	for i := range 50 {
		e.update(t0.Add(time.Duration(i)*20*time.Millisecond), uint32(i*160))
	}
	if e.jitter() != 0 {
		t.Fatalf("paced jitter = %v", e.jitter())
	}
	// Alternating ±5 ms: |D| = 10 ms each packet, J converges to 10 ms.
	for i := 50; i < 500; i++ {
		off := 5 * time.Millisecond
		if i%2 == 0 {
			off = -off
		}
		e.update(t0.Add(time.Duration(i)*20*time.Millisecond+off), uint32(i*160))
	}
	if j := e.jitter(); j < 9*time.Millisecond || j > 10*time.Millisecond {
		t.Fatalf("jitter = %v, want about 10ms", j)
	}
}
