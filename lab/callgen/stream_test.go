package callgen

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestStreams(t *testing.T) {
	tests := map[string]struct {
		duration time.Duration
		want     int // packets per leg, -1: fewer than the duration's
	}{
		"full duration": {duration: 200 * time.Millisecond, want: 10},
		"closed early":  {duration: time.Minute, want: -1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			g, err := New(Config{Target: "127.0.0.1:9", Duration: tt.duration})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := g.StartStreams(nil); err == nil {
				t.Fatal("StartStreams before Start must fail")
			}
			if err := g.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			sinks := []*sink{newSink(t), newSink(t), newSink(t)}
			dsts := make([]netip.AddrPort, len(sinks))
			for i, s := range sinks {
				dsts[i] = s.addr()
			}
			st, err := g.StartStreams(dsts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want > 0 {
				for _, s := range sinks {
					s.waitCount(t, tt.want, 5*time.Second)
				}
			} else {
				sinks[0].waitCount(t, 3, 5*time.Second)
			}
			rep := st.Close()
			if again := st.Close(); again != rep {
				t.Fatalf("second Close: %+v != %+v", again, rep)
			}
			if rep.Legs != 3 || rep.SendErrors != 0 || rep.Packets != st.Packets() {
				t.Fatalf("report %+v, Packets %d", rep, st.Packets())
			}
			switch {
			case tt.want > 0 && rep.Packets != uint64(3*tt.want):
				t.Fatalf("sent %d packets, want %d", rep.Packets, 3*tt.want)
			case tt.want < 0 && rep.Packets >= 3*3000:
				t.Fatalf("sent %d packets after Close", rep.Packets)
			}
			for i, s := range sinks {
				if tt.want > 0 && s.count() != tt.want {
					t.Errorf("sink %d got %d packets, want %d", i, s.count(), tt.want)
				}
			}
		})
	}
}

func TestStreamsAfterClose(t *testing.T) {
	g, err := New(Config{Target: "127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
	if _, err := g.StartStreams(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}
