package callgen

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// maxBurst bounds the packets a leg sends in one tick to catch up after a
// stall (a busy host can deschedule the worker for a while): up to a second
// of audio is sent late, in a burst, and counted as late; owing more than
// that, the leg drops the rest (counted as skipped) rather than flood the
// receiver with audio its jitter buffer would discard anyway.
const maxBurst = 50

// pacer sends every leg's packets from a few workers. A goroutine and a
// ticker per leg would cost 4,000 timers at 50 Hz under `make bench`; a
// worker instead wakes once per ptime and serves all of its legs in a loop.
type pacer struct {
	workers []*worker
	wg      sync.WaitGroup
}

// worker owns a set of legs and serves them on a ptime grid.
type worker struct {
	ptime  time.Duration
	offset time.Duration // spreads the workers' bursts across the ptime

	mu      sync.Mutex // guards pending
	pending []*leg
	wake    chan struct{}

	legs []*leg // owned by run

	nlegs     atomic.Int64
	ticks     atomic.Uint64
	lateTicks atomic.Uint64
}

func newPacer(workers int, ptime time.Duration) *pacer {
	p := &pacer{}
	for i := range max(1, workers) {
		p.workers = append(p.workers, &worker{
			ptime:  ptime,
			offset: time.Duration(i) * ptime / time.Duration(max(1, workers)),
			wake:   make(chan struct{}, 1),
		})
	}
	return p
}

// start runs the workers until ctx ends; legs still owned then are finished.
func (p *pacer) start(ctx context.Context) {
	for _, w := range p.workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w.run(ctx)
		}()
	}
}

// wait blocks until every worker has returned.
func (p *pacer) wait() { p.wg.Wait() }

// add hands a leg to the least loaded worker; it starts sending on that
// worker's next tick.
func (p *pacer) add(l *leg) {
	w := p.workers[0]
	for _, c := range p.workers[1:] {
		if c.nlegs.Load() < w.nlegs.Load() {
			w = c
		}
	}
	w.nlegs.Add(1)
	w.mu.Lock()
	w.pending = append(w.pending, l)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// tickStats returns the ticks served and those served more than ptime/2
// after they were due, over all workers.
func (p *pacer) tickStats() (ticks, late uint64) {
	for _, w := range p.workers {
		ticks += w.ticks.Load()
		late += w.lateTicks.Load()
	}
	return ticks, late
}

// run is the worker loop.
func (w *worker) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	next := time.Now().Add(w.offset)
	for {
		w.adopt()
		if len(w.legs) == 0 {
			select {
			case <-w.wake:
				next = time.Now()
				continue
			case <-ctx.Done():
				w.finishAll()
				return
			}
		}
		if d := time.Until(next); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				w.finishAll()
				return
			}
		}
		now := time.Now()
		w.ticks.Add(1)
		if now.Sub(next) > w.ptime/2 {
			w.lateTicks.Add(1)
		}

		live := w.legs[:0]
		for _, l := range w.legs {
			if l.service(now, next, w.ptime) {
				live = append(live, l)
				continue
			}
			l.finish(now)
			w.nlegs.Add(-1)
		}
		clear(w.legs[len(live):])
		w.legs = live
		next = next.Add(w.ptime)
		if now.Sub(next) > w.ptime {
			next = now // after a long stall, re-grid instead of spinning
		}
	}
}

func (w *worker) adopt() {
	w.mu.Lock()
	w.legs = append(w.legs, w.pending...)
	clear(w.pending)
	w.pending = w.pending[:0]
	w.mu.Unlock()
}

func (w *worker) finishAll() {
	w.adopt()
	now := time.Now()
	for _, l := range w.legs {
		l.finish(now)
	}
	w.legs = nil
}

// service sends what the leg owes at the worker's tick (its nominal time;
// now is when the worker actually got to the leg) and reports whether it
// still has packets to send. A leg's schedule is anchored on the tick grid,
// not on the wall clock of its first send: otherwise the tick's wake-up
// jitter would make a packet fall just after a tick, go out a whole ptime
// late, and alternate. Packets owed while paused (on hold) or while the leg
// has no destination are not sent, but the RTP timestamp keeps running.
func (l *leg) service(now, tick time.Time, ptime time.Duration) bool {
	if l.stop.Load() || l.n >= l.total {
		return false
	}
	if l.next.IsZero() {
		l.next = tick
	}
	// Everything due before the middle of the next period goes out now.
	horizon := tick.Add(ptime / 2)
	dst := l.dst.Load()
	if dst == nil || l.paused.Load() {
		if !l.next.After(horizon) {
			k := min(uint64(horizon.Sub(l.next)/ptime)+1, l.total-l.n)
			l.ts += l.spp * uint32(k)
			l.n += k
			l.next = l.next.Add(time.Duration(k) * ptime)
		}
		l.first = true // resuming starts a new talkspurt
		return l.n < l.total
	}
	for sent := 0; !l.next.After(horizon) && l.n < l.total; sent++ {
		if sent == maxBurst {
			k := min(uint64(horizon.Sub(l.next)/ptime)+1, l.total-l.n)
			l.skip(k)
			l.stats.skipped.Add(k)
			l.next = l.next.Add(time.Duration(k) * ptime)
			break
		}
		if now.Sub(l.next) > ptime/2 {
			l.stats.late.Add(1)
		}
		if l.stats.start.Load() == 0 {
			l.stats.start.Store(now.UnixNano())
		}
		l.send(*dst)
		l.next = l.next.Add(ptime)
	}
	return l.n < l.total
}
