package genesys

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/appliance/cti"
)

// How long the mapper remembers things.
const (
	// keepEnded is how long a conversation whose agent legs all ended is
	// kept, so that a late copy of one of its snapshots changes nothing.
	keepEnded = time.Hour
	// maxConversations bounds the table; the oldest ended go first.
	maxConversations = 200_000
	// pruneEvery is how often the table is swept.
	pruneEvery = time.Minute
)

// mapper turns conversation snapshots into CTI events. Every snapshot is
// the whole conversation, so it is diffed against what the mapper knew:
// an agent's call that became connected is a start, held a hold, not held
// again a resume, disconnected or terminated an end. Its methods are
// called from the tracker's mapper goroutine; mu makes open safe to call
// from the reconciler.
type mapper struct {
	uuiAttr string
	now     func() time.Time
	seed    maphash.Seed
	seq     atomic.Uint64 // numbers the applied snapshots; see dedupe.go

	mu        sync.Mutex // guards convs
	convs     map[string]*convState
	lastPrune time.Time
}

// convState is what the mapper knows of one conversation.
type convState struct {
	// version counts the live snapshots applied; a read started at an
	// older version is stale.
	version uint64
	touched time.Time
	// custUUI and attrUUI are the UUIs last seen on the customer's call
	// and in the UUI attribute.
	custUUI, attrUUI string
	legs             map[string]*legState // by participant id
	// hist and cursors deduplicate the streams; see dedupe.go.
	hist    []histEntry
	cursors map[string]uint64
}

// legState is one agent participant's call as the mapper last saw it.
type legState struct {
	userID    string
	uui       string // the agent's own call's uuiData
	direction cti.Direction
	started   bool
	held      bool
	ended     bool
}

// phase is where an agent's call is, for the mapping.
type phase int

const (
	phasePending   phase = iota // alerting, dialing, contacting, unknown states
	phaseConnected              // connected (held or not)
	phaseEnded                  // disconnected or terminated
)

func newMapper(uuiAttr string, now func() time.Time) *mapper {
	return &mapper{uuiAttr: uuiAttr, now: now, seed: maphash.MakeSeed(), convs: make(map[string]*convState)}
}

// current is the seq of the last snapshot applied: a channel subscribed
// now carries what comes after it.
func (m *mapper) current() uint64 { return m.seq.Load() }

// applyLive maps a snapshot from a notification. dup is true when it is a
// copy of one already applied (another agent's topic, another channel):
// it yields no events.
func (m *mapper) applyLive(s *snapshot, src source) (evs []cti.Event, dup bool) {
	fp := fingerprint(m.seed, s, m.uuiAttr)
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.convLocked(s.ID)
	key := src.key()
	cursor, ok := cs.cursors[key]
	if !ok {
		cursor = src.start
	}
	if seq, ok := copyOf(cs.hist, fp, cursor); ok {
		cs.cursors[key] = seq
		return nil, true
	}
	seq := m.seq.Add(1)
	cs.hist = appendHist(cs.hist, histEntry{fp: fp, seq: seq})
	cs.cursors[key] = seq
	cs.version++
	return m.diffLocked(cs, s), false
}

// applyRead maps a snapshot read after a reconnect, unless a live one
// arrived since the read started (version moved on): then it is stale.
func (m *mapper) applyRead(s *snapshot, version uint64) (evs []cti.Event, stale bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.convs[s.ID]
	if cs == nil || cs.version != version {
		return nil, true
	}
	seq := m.seq.Add(1)
	cs.hist = appendHist(cs.hist, histEntry{fp: fingerprint(m.seed, s, m.uuiAttr), seq: seq})
	return m.diffLocked(cs, s), false
}

// applyGone ends every open leg of a conversation Genesys no longer has.
func (m *mapper) applyGone(id string, version uint64) (evs []cti.Event, stale bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cs := m.convs[id]
	if cs == nil || cs.version != version {
		return nil, true
	}
	cs.touched = m.now()
	for _, pid := range sortedKeys(cs.legs) {
		ls := cs.legs[pid]
		if ls.started && !ls.ended {
			evs = m.appendEvent(evs, cti.End, id, cs, ls, time.Time{})
		}
		ls.ended = true
	}
	return evs, false
}

// openRef is a conversation to read back, at the version it was at.
type openRef struct {
	id      string
	version uint64
}

// open lists the conversations with an agent leg not yet ended.
func (m *mapper) open() []openRef {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []openRef
	for id, cs := range m.convs {
		if cs.openLocked() {
			out = append(out, openRef{id, cs.version})
		}
	}
	return out
}

// openCount is how many conversations have an agent leg not yet ended.
func (m *mapper) openCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, cs := range m.convs {
		if cs.openLocked() {
			n++
		}
	}
	return n
}

func (cs *convState) openLocked() bool {
	for _, ls := range cs.legs {
		if !ls.ended {
			return true
		}
	}
	return false
}

func (m *mapper) convLocked(id string) *convState {
	now := m.now()
	if now.Sub(m.lastPrune) >= pruneEvery || len(m.convs) >= maxConversations {
		m.pruneLocked(now)
	}
	cs := m.convs[id]
	if cs == nil {
		cs = &convState{legs: make(map[string]*legState), cursors: make(map[string]uint64)}
		m.convs[id] = cs
	}
	cs.touched = now
	return cs
}

// pruneLocked forgets conversations ended for keepEnded, and at the size
// bound the oldest ended ones.
func (m *mapper) pruneLocked(now time.Time) {
	m.lastPrune = now
	for id, cs := range m.convs {
		if !cs.openLocked() && now.Sub(cs.touched) >= keepEnded {
			delete(m.convs, id)
		}
	}
	for len(m.convs) >= maxConversations {
		var oldest string
		var at time.Time
		for id, cs := range m.convs {
			if (oldest == "" || cs.touched.Before(at)) && !cs.openLocked() {
				oldest, at = id, cs.touched
			}
		}
		if oldest == "" {
			return
		}
		delete(m.convs, oldest)
	}
}

// diffLocked compares s with what cs knew and returns the events, ends and
// holds before starts: in a transfer the agent who leaves is ended before
// the one who takes the call starts.
func (m *mapper) diffLocked(cs *convState, s *snapshot) []cti.Event {
	m.noteUUIsLocked(cs, s)
	type seen struct {
		ls    *legState
		ph    phase
		held  bool
		times leg
	}
	var agents []seen
	for i := range s.Parties {
		p := &s.Parties[i]
		if !isAgent(p) {
			continue
		}
		key := p.ID
		if key == "" {
			key = "user:" + p.UserID
		}
		ls := cs.legs[key]
		if ls == nil {
			ls = &legState{userID: p.UserID}
			cs.legs[key] = ls
		}
		ph, c := callPhase(p.Calls)
		if d := direction(c.Direction); d != "" {
			ls.direction = d
		}
		if c.UUI != "" {
			ls.uui = c.UUI
		}
		agents = append(agents, seen{ls, ph, c.Held, c})
	}
	var evs []cti.Event
	for _, a := range agents { // ends, holds, resumes
		ls := a.ls
		switch {
		case ls.ended:
		case !ls.started:
			if a.ph == phaseEnded {
				ls.ended = true // never connected: a missed call
			}
		case a.ph == phaseEnded:
			ls.ended = true
			evs = m.appendEvent(evs, cti.End, s.ID, cs, ls, a.times.Ended)
		case a.ph == phaseConnected && a.held != ls.held:
			ls.held = a.held
			if a.held {
				evs = m.appendEvent(evs, cti.Hold, s.ID, cs, ls, a.times.HeldSince)
			} else {
				evs = m.appendEvent(evs, cti.Resume, s.ID, cs, ls, time.Time{})
			}
		}
	}
	for _, a := range agents { // starts
		ls := a.ls
		if ls.started || ls.ended || a.ph != phaseConnected {
			continue
		}
		ls.started = true
		evs = m.appendEvent(evs, cti.Start, s.ID, cs, ls, a.times.Connected)
		if a.held {
			ls.held = true
			evs = m.appendEvent(evs, cti.Hold, s.ID, cs, ls, a.times.HeldSince)
		}
	}
	return evs
}

// noteUUIsLocked keeps the UUIs the snapshot shows: the customer's (or
// external party's) call uuiData, and the UUI attribute, the customer's
// first.
func (m *mapper) noteUUIsLocked(cs *convState, s *snapshot) {
	for i := range s.Parties {
		p := &s.Parties[i]
		if p.Purpose != "customer" && p.Purpose != "external" {
			continue
		}
		for j := len(p.Calls) - 1; j >= 0; j-- {
			if u := p.Calls[j].UUI; u != "" {
				cs.custUUI = u
				break
			}
		}
	}
	if m.uuiAttr == "" {
		return
	}
	var custAttr, agentAttr, anyAttr string
	for i := range s.Parties {
		p := &s.Parties[i]
		v := p.Attrs[m.uuiAttr]
		switch {
		case v == "":
		case p.Purpose == "customer" || p.Purpose == "external":
			custAttr = firstNonEmpty(custAttr, v)
		case isAgent(p):
			agentAttr = firstNonEmpty(agentAttr, v)
		default:
			anyAttr = firstNonEmpty(anyAttr, v)
		}
	}
	if v := firstNonEmpty(custAttr, agentAttr, anyAttr); v != "" {
		cs.attrUUI = v
	}
}

// appendEvent builds one event for ls and appends it if it validates.
func (m *mapper) appendEvent(evs []cti.Event, t cti.Type, convID string, cs *convState, ls *legState, at time.Time) []cti.Event {
	if at.IsZero() {
		at = m.now()
	}
	ev := cti.Event{Type: t, AgentID: ls.userID, Direction: ls.direction, At: at.UTC()}
	if k, err := callkey.Conversation(convID); err == nil {
		ev.ConversationID = k.Value
	}
	if uui := firstNonEmpty(cs.custUUI, ls.uui, cs.attrUUI); len(uui) <= 2*callkey.MaxValueLen {
		ev.UUI = uui
		if keys := callkey.FromUUI(uui); len(keys) > 0 {
			ev.UCID = keys[0].Value
		}
	}
	if len(ev.AgentID) > callkey.MaxValueLen {
		ev.AgentID = ""
	}
	if ev.Validate() != nil {
		return evs // no key identifies the call: nothing the gate could match
	}
	return append(evs, ev)
}

// isAgent reports whether p is an agent on the call: a user participant
// (purpose agent, or user for calls outside a queue) that is not observing.
func isAgent(p *party) bool {
	return (p.Purpose == "agent" || p.Purpose == "user") && p.UserID != "" && !p.Observer
}

// callPhase reads a participant's calls: connected if one is (the last),
// ended if every one is disconnected or terminated, else pending. The
// returned leg is the one the phase comes from.
func callPhase(calls []leg) (phase, leg) {
	if len(calls) == 0 {
		return phasePending, leg{}
	}
	ended := true
	var connected *leg
	for i := range calls {
		switch calls[i].State {
		case "connected":
			connected = &calls[i]
			ended = false
		case "disconnected", "terminated":
		default:
			ended = false
		}
	}
	switch {
	case connected != nil:
		return phaseConnected, *connected
	case ended:
		return phaseEnded, calls[len(calls)-1]
	}
	return phasePending, calls[len(calls)-1]
}

// direction maps a call's direction; unknown values are "".
func direction(s string) cti.Direction {
	switch s {
	case "inbound":
		return cti.Inbound
	case "outbound":
		return cti.Outbound
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
