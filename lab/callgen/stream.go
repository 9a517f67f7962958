package callgen

import (
	"errors"
	"net/netip"
	"sync"

	"github.com/cogito/cogito-edge/lab/tone"
)

// Streams is media without calls: plain RTP legs that a started Generator
// paces exactly as it paces the legs of its calls, each sending to a fixed
// destination, with no SIP. It is the load of a baseline receiver (a bare
// UDP reader, `cogito-lab bench`) to compare the SRS with at the same
// packet rate. Create it with Generator.StartStreams.
type Streams struct {
	legs []*leg
	once sync.Once
	rep  StreamsReport
}

// StreamsReport is what the legs of a Streams sent.
type StreamsReport struct {
	Legs       int    `json:"legs"`
	Packets    uint64 `json:"packets"`
	Bytes      uint64 `json:"bytes"`
	SendErrors uint64 `json:"send_errors"`
	Late       uint64 `json:"late"`
	Skipped    uint64 `json:"skipped"`
}

// StartStreams opens one leg per destination (plain RTP, the customer
// tone, the configured codec and ptime) and hands them to the pacer at
// once; each sends Duration worth of packets unless closed earlier.
func (g *Generator) StartStreams(dsts []netip.AddrPort) (*Streams, error) {
	if g.closed.Load() {
		return nil, ErrClosed
	}
	if !g.started.Load() {
		return nil, errors.New("callgen: StartStreams before Start")
	}
	cfg := g.cfg
	table := g.tables.get(tone.Tone{Freq: cfg.CustomerTone, Amplitude: cfg.Amplitude}, cfg.Codec, cfg.samplesPerPacket())
	total := uint64(cfg.Duration / cfg.Ptime)
	s := &Streams{legs: make([]*leg, 0, len(dsts))}
	for _, d := range dsts {
		l, err := newLeg(cfg.LocalIP, table, cfg.Codec.PayloadType(), total, nil)
		if err != nil {
			for _, l := range s.legs {
				l.close()
			}
			return nil, err
		}
		l.dst.Store(&d)
		s.legs = append(s.legs, l)
	}
	for _, l := range s.legs {
		g.pacer.add(l)
	}
	return s, nil
}

// Packets returns the packets sent so far by all legs.
func (s *Streams) Packets() uint64 {
	var n uint64
	for _, l := range s.legs {
		n += l.stats.packets.Load()
	}
	return n
}

// Close stops the legs, waits for the pacer to let go of them, releases
// their sockets and reports. It is idempotent.
func (s *Streams) Close() StreamsReport {
	s.once.Do(func() {
		for _, l := range s.legs {
			l.stop.Store(true)
		}
		s.rep.Legs = len(s.legs)
		for _, l := range s.legs {
			<-l.done
			l.close()
			s.rep.Packets += l.stats.packets.Load()
			s.rep.Bytes += l.stats.bytes.Load()
			s.rep.SendErrors += l.stats.sendErrors.Load()
			s.rep.Late += l.stats.late.Load()
			s.rep.Skipped += l.stats.skipped.Load()
		}
	})
	return s.rep
}
