package genesyssim_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/lab/genesyssim"
)

// epoch is where the manual clock starts.
var epoch = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// harness is the tracker running against the simulator, on a shared
// manual clock, recording every CTI event.
type harness struct {
	t   *testing.T
	sim *genesyssim.Sim
	clk *genesyssim.ManualClock
	tr  *genesys.Tracker
	rec *recorder
	log *syncBuffer
	reg *prometheus.Registry // the tracker's metrics
	// sentinels are the barrier calls, left out of events().
	sentinels map[string]bool
}

// start runs a simulator and a tracker. simCfg and trCfg may adjust the
// configs (nil: none).
func start(t *testing.T, users int, simCfg func(*genesyssim.Config), trCfg func(*genesys.Config)) *harness {
	t.Helper()
	h := &harness{t: t, clk: genesyssim.NewManualClock(epoch), rec: newRecorder(), log: &syncBuffer{},
		reg: prometheus.NewRegistry(), sentinels: map[string]bool{}}
	sc := genesyssim.Config{ClientID: "cogito-test", ClientSecret: "s3cret", Users: users, Clock: h.clk,
		Log: slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if simCfg != nil {
		simCfg(&sc)
	}
	sim, err := genesyssim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	h.sim = sim
	tc := genesys.Config{
		Region:       "usw2",
		BaseURL:      sim.URL(),
		ClientID:     sc.ClientID,
		ClientSecret: sc.ClientSecret,
		OnEvent:      h.rec.add,
		Clock:        h.clk,
		MinBackoff:   10 * time.Millisecond,
		MaxBackoff:   100 * time.Millisecond,
		Overlap:      time.Minute,
	}
	if trCfg != nil {
		trCfg(&tc)
	}
	log := slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr, err := genesys.New(tc, log, genesys.NewMetrics(h.reg))
	if err != nil {
		t.Fatal(err)
	}
	h.tr = tr
	done := make(chan error, 1)
	go func() { done <- tr.Run(context.Background()) }()
	t.Cleanup(func() {
		tr.Close()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if t.Failed() {
			t.Logf("sim: %+v\nchannels: %+v\ntracker: %+v", sim.Stats(), sim.Channels(), tr.Status())
			t.Logf("tracker log:\n%s", h.log.String())
		}
	})
	return h
}

// ready waits until the tracker follows users agents (minus rejected
// topics) on channels connected channels.
func (h *harness) ready(channels, topics int) {
	h.t.Helper()
	h.eventually("tracker ready", func() bool {
		st := h.tr.Status()
		if len(st.Channels) != channels || h.tr.Ready() != nil {
			return false
		}
		n := 0
		for _, c := range st.Channels {
			if !c.Connected {
				return false
			}
			n += c.Topics
		}
		return n == topics
	})
}

// eventually polls cond: the simulator and the tracker's status have no
// change notification to wait on.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; status %+v; sim %+v", what, h.tr.Status(), h.sim.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) user(i int) string { return h.sim.Users()[i].ID }

// barrier proves that everything each agent's channel delivered before it
// has been handled: an outbound call on the agent, in order behind it on
// the same stream, starts and ends. Late copies from other channels are
// behind their own agent's barrier.
func (h *harness) barrier(agents ...string) {
	h.t.Helper()
	for _, a := range agents {
		c, err := h.sim.Outbound(a, "")
		if err != nil {
			h.t.Fatal(err)
		}
		h.sentinels[c.ConversationID] = true
		h.await("barrier start", has(cti.Start, c.ConversationID))
		if err := h.sim.Disconnect(c.ConversationID); err != nil {
			h.t.Fatal(err)
		}
		h.await("barrier end", has(cti.End, c.ConversationID))
	}
}

// inbound places an inbound call (default options) on agent and waits for
// its start event.
func (h *harness) inbound(agent string) genesyssim.Call {
	h.t.Helper()
	c, err := h.sim.Inbound(agent, genesyssim.InboundOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	h.await("start", has(cti.Start, c.ConversationID))
	return c
}

// do applies the scripted operations to conversation conv, in order.
func (h *harness) do(conv string, ops ...func(conv string) error) {
	h.t.Helper()
	for _, op := range ops {
		if err := op(conv); err != nil {
			h.t.Fatal(err)
		}
	}
}

// hangUp disconnects call c and waits until everything agent's channel
// delivered has been handled.
func (h *harness) hangUp(c genesyssim.Call, agent string) {
	h.t.Helper()
	h.do(c.ConversationID, h.sim.Disconnect)
	h.barrier(agent)
}

// expectCall checks the recorded events (barrier calls aside) are exactly
// events of the given types, in order, of inbound call c on agent.
func (h *harness) expectCall(c genesyssim.Call, agent string, types ...cti.Type) {
	h.t.Helper()
	want := make([]brief, len(types))
	for i, typ := range types {
		want[i] = in(typ, c, agent)
	}
	h.expect(want...)
}

// counter reads the tracker's counter name with label=value (0 when it
// has no such series).
func (h *harness) counter(name, label, value string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabel(m, label, value) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// await waits for the recorded events to satisfy cond.
func (h *harness) await(what string, cond func([]cti.Event) bool) {
	h.t.Helper()
	h.rec.await(h.t, what, cond)
}

// events are the recorded events without the barrier calls.
func (h *harness) events() []brief {
	var out []brief
	for _, e := range h.rec.all() {
		if !h.sentinels[e.ConversationID] {
			out = append(out, briefOf(e))
		}
	}
	return out
}

// expect checks the recorded events (barrier calls aside) are exactly want.
func (h *harness) expect(want ...brief) {
	h.t.Helper()
	if got := h.events(); !slices.Equal(got, want) {
		h.t.Fatalf("events:\n got %s\nwant %s", fmtBriefs(got), fmtBriefs(want))
	}
}

// brief is an event without its time.
type brief struct {
	Type      cti.Type
	Conv      string
	UCID      string
	UUI       string
	Agent     string
	Direction cti.Direction
}

func briefOf(e cti.Event) brief {
	return brief{e.Type, e.ConversationID, e.UCID, e.UUI, e.AgentID, e.Direction}
}

func fmtBriefs(bs []brief) string {
	var b strings.Builder
	for _, x := range bs {
		fmt.Fprintf(&b, "\n  %-6s conv=%s agent=%s dir=%s ucid=%s", x.Type, x.Conv, x.Agent, x.Direction, x.UCID)
	}
	return b.String()
}

// in and out build expected events of an inbound or outbound call.
func in(t cti.Type, c genesyssim.Call, agent string) brief {
	return brief{t, c.ConversationID, c.UCID, c.UUI, agent, cti.Inbound}
}

func out(t cti.Type, c genesyssim.Call, agent string) brief {
	return brief{Type: t, Conv: c.ConversationID, Agent: agent, Direction: cti.Outbound}
}

// has matches when an event of type t for conversation conv was recorded.
func has(t cti.Type, conv string) func([]cti.Event) bool {
	return func(evs []cti.Event) bool {
		for _, e := range evs {
			if e.Type == t && e.ConversationID == conv {
				return true
			}
		}
		return false
	}
}

// recorder keeps the tracker's events and wakes waiters on each.
type recorder struct {
	mu     sync.Mutex
	evs    []cti.Event
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{})} }

func (r *recorder) add(e cti.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	close(r.notify)
	r.notify = make(chan struct{})
}

func (r *recorder) all() []cti.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

func (r *recorder) await(t *testing.T, what string, cond func([]cti.Event) bool) {
	t.Helper()
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		evs, ch := slices.Clone(r.evs), r.notify
		r.mu.Unlock()
		if cond(evs) {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			var bs []brief
			for _, e := range evs {
				bs = append(bs, briefOf(e))
			}
			t.Fatalf("timed out waiting for %s; events so far:%s", what, fmtBriefs(bs))
		}
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
