package relay

import "testing"

// BenchmarkLocalWriteFrame is the media worker's cost per 20 ms frame per
// session: it must stay allocation-free.
func BenchmarkLocalWriteFrame(b *testing.B) {
	ts := newTestStore(b)
	r := ts.open(b, "bench")
	g := newFrameGen()
	writeFrames(b, r, g, 500)
	f := g.next()
	b.ReportAllocs()
	b.SetBytes(int64(len(f.Samples) * bytesPerSample))
	for b.Loop() {
		f.Seq++
		f.Start += 20e6
		if err := r.WriteFrame(f); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := r.Close(FinalMeta{}); err != nil {
		b.Fatal(err)
	}
}
