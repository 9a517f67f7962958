package gate

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// fakeClock is a manual Clock: timers fire only from Advance, in deadline
// order, on the caller's goroutine.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan struct{} // if set, receives a value per AfterFunc (never blocks)
}

type fakeTimer struct {
	c      *fakeClock
	at     time.Time
	f      func()
	active bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f, active: true}
	c.timers = append(c.timers, t)
	if c.armed != nil {
		select {
		case c.armed <- struct{}{}:
		default:
		}
	}
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

// Advance moves time forward by d, firing every timer that falls due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		var due *fakeTimer
		for len(c.timers) > 0 {
			t := c.timers[0]
			if !t.active {
				c.timers = c.timers[1:]
				continue
			}
			if t.at.After(end) {
				break
			}
			c.timers = c.timers[1:]
			t.active = false
			due = t
			c.now = t.at
			break
		}
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		due.f()
	}
}

// call is one recorded Leg call.
type call struct {
	op     string // activate, pause, resume, end
	agent  string // Activate
	dir    cti.Direction
	conv   string
	reason string // End
}

func (c call) String() string {
	switch c.op {
	case "activate":
		return "activate:" + c.agent
	case "end":
		return "end:" + c.reason
	}
	return c.op
}

// fakeLeg records calls, fails on request, can block an op until released,
// and flags overlapping calls (the gate must serialise per session).
type fakeLeg struct {
	mu       sync.Mutex
	calls    []call
	changed  chan struct{} // closed and replaced on every call
	fail     map[string]error
	block    map[string]chan struct{}
	entered  chan string // receives the op name when a call starts, if set
	inflight atomic.Int32
	overlaps atomic.Int32
}

func newFakeLeg() *fakeLeg {
	return &fakeLeg{changed: make(chan struct{}), fail: map[string]error{}, block: map[string]chan struct{}{}}
}

func (l *fakeLeg) do(ctx context.Context, c call) error {
	if l.inflight.Add(1) > 1 {
		l.overlaps.Add(1)
	}
	defer l.inflight.Add(-1)
	l.mu.Lock()
	block, err, entered := l.block[c.op], l.fail[c.op], l.entered
	l.mu.Unlock()
	if entered != nil {
		entered <- c.op
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	l.mu.Lock()
	l.calls = append(l.calls, c)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return err
}

func (l *fakeLeg) Activate(ctx context.Context, a Activation) error {
	return l.do(ctx, call{op: "activate", agent: a.AgentID, dir: a.Direction, conv: a.ConversationID})
}
func (l *fakeLeg) Pause(ctx context.Context) error  { return l.do(ctx, call{op: "pause"}) }
func (l *fakeLeg) Resume(ctx context.Context) error { return l.do(ctx, call{op: "resume"}) }
func (l *fakeLeg) End(ctx context.Context, reason string) error {
	return l.do(ctx, call{op: "end", reason: reason})
}

func (l *fakeLeg) setFail(op string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fail[op] = err
}

// blockOp makes op wait until the returned func is called.
func (l *fakeLeg) blockOp(op string) (release func()) {
	ch := make(chan struct{})
	l.mu.Lock()
	l.block[op] = ch
	l.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func (l *fakeLeg) Calls() []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (l *fakeLeg) trace() string {
	var parts []string
	for _, c := range l.Calls() {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, ",")
}

// waitCalls waits until at least n calls were recorded.
func (l *fakeLeg) waitCalls(t *testing.T, n int) []call {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		l.mu.Lock()
		got, ch := slices.Clone(l.calls), l.changed
		l.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %d leg calls, have %v", n, got)
		}
	}
}

// testGate builds a gate on a fake clock with its own registry.
type testGate struct {
	*Gate
	clock *fakeClock
	reg   *prometheus.Registry
}

func newTestGate(t *testing.T, cfg Config) *testGate {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	clock := newFakeClock()
	g, err := New(cfg, nil, NewMetrics(reg), clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	return &testGate{Gate: g, clock: clock, reg: reg}
}

// settle waits until no session worker runs. Only call it while no other
// goroutine delivers or offers, so no worker can start during the wait.
func (tg *testGate) settle() { tg.workers.Wait() }

func (tg *testGate) offer(t *testing.T, id string, keys ...callkey.Key) (*Session, *fakeLeg) {
	t.Helper()
	leg := newFakeLeg()
	s, err := tg.Offer(id, callkey.NewSet(keys...), SessionInfo{Source: "test", CallID: id}, leg)
	if err != nil {
		t.Fatal(err)
	}
	return s, leg
}

func (tg *testGate) deliver(t *testing.T, ev cti.Event) DeliverResult {
	t.Helper()
	if ev.At.IsZero() {
		ev.At = tg.clock.Now()
	}
	res, err := tg.Deliver(context.Background(), ev)
	if err != nil {
		t.Fatalf("Deliver(%+v): %v", ev, err)
	}
	return res
}

// metric returns the value of the series name{labels}: a counter or gauge
// value, or a histogram's sample count.
func (tg *testGate) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := tg.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := want[lp.GetName()]; ok && v != lp.GetValue() {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// Keys and events used across the tests. The three UCID spellings are the
// same call (DESIGN §5).
const (
	ucidHex     = "004762C169FA480C"
	ucidDecimal = "00071252811778010124"
	ucidASAI    = "04FA08004762C169FA480CC8143030303731323532383131373738303130313234"
	conv1       = "5f1d2c3b-0a9e-4d8f-9b7a-6c5e4d3c2b1a"
	conv2       = "6a2e3d4c-1b0f-4e90-8c8b-7d6f5e4d3c2b"
)

func mustKey(k callkey.Key, err error) callkey.Key {
	if err != nil {
		panic(err)
	}
	return k
}

func ucidKey(s string) callkey.Key { return mustKey(callkey.UCID(s)) }
func convKey(s string) callkey.Key { return mustKey(callkey.Conversation(s)) }

// ev builds an event on conversation conv1 for agent.
func ev(typ cti.Type, agent string) cti.Event {
	return cti.Event{Type: typ, ConversationID: conv1, AgentID: agent, Direction: cti.Inbound}
}

func ucidEvent(typ cti.Type, ucid, agent string) cti.Event {
	return cti.Event{Type: typ, UCID: ucid, AgentID: agent}
}

func convEvent(typ cti.Type, conv, agent string) cti.Event {
	return cti.Event{Type: typ, ConversationID: conv, AgentID: agent}
}
