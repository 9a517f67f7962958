package gate

// Observer is told of every change to a registered session, so that a CTI
// source can announce the appliance's sessions to the cloud (DESIGN §12):
// the offer, keys learned later, each state change, and the end (a
// Snapshot in StateEnded that still carries the session's keys).
//
// It is called with the gate's lock held, in the order of the changes, so
// it must return at once and must not call the gate: copy what it needs
// and hand it to a goroutine of its own. One operation may produce several
// calls for the same session (an offer that replays a cached start: the
// offer, then active); the last one is the session's state.
type Observer func(Snapshot)

// SetObserver installs o, replacing any observer before it; nil removes
// it. Changes that happened before are not replayed: take Sessions after
// SetObserver for the state to start from.
func (g *Gate) SetObserver(o Observer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.observer = o
}

// notifyLocked tells the observer, if any, of s as it is now.
func (g *Gate) notifyLocked(s *Session) {
	if g.observer != nil {
		g.observer(s.snapshotLocked())
	}
}
