package callgen

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Run places cfg.Calls calls with a fresh Generator, at most
// cfg.Concurrency at once and at most cfg.Rate new calls per second, and
// returns the report. The error is for setup failures only; failed calls
// are counted in the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	g, err := New(cfg)
	if err != nil {
		return Report{}, err
	}
	if err := g.Start(ctx); err != nil {
		return Report{}, err
	}
	defer g.Close()
	return g.Run(ctx), nil
}

// Run places the configured calls on a started Generator (see the Run
// function) and reports on them.
func (g *Generator) Run(ctx context.Context) Report {
	cfg := g.cfg
	rep := Report{Started: time.Now()}
	sem := make(chan struct{}, cfg.Concurrency)
	results := make(chan CallReport, cfg.Concurrency)
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range results {
			rep.add(r)
		}
	}()
	var (
		wg        sync.WaitGroup
		active    atomic.Int64
		maxActive atomic.Int64
	)
	for i := 0; i < cfg.Calls && ctx.Err() == nil; i++ {
		if cfg.Rate > 0 {
			at := rep.Started.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
			if d := time.Until(at); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			n := active.Add(1)
			for m := maxActive.Load(); n > m && !maxActive.CompareAndSwap(m, n); m = maxActive.Load() {
			}
			c, err := g.Place(ctx)
			active.Add(-1)
			if c == nil {
				results <- CallReport{Err: err.Error(), InvitedAt: time.Now()}
				return
			}
			results <- c.Report()
		}()
	}
	wg.Wait()
	close(results)
	<-collected
	rep.Elapsed = time.Since(rep.Started)
	rep.MaxActive = int(maxActive.Load())
	rep.Ticks, rep.LateTicks = g.pacer.tickStats()
	slices.SortFunc(rep.Results, func(a, b CallReport) int { return a.N - b.N })
	return rep
}
