package gate

// armMatchLocked (re)starts the match timer of a pending session so that it
// fires at offeredAt + MatchTimeout, or at once if that has passed.
func (g *Gate) armMatchLocked(s *Session) {
	if s.matchTimer != nil {
		s.matchTimer.Stop()
	}
	s.matchGen++
	gen := s.matchGen
	d := max(s.offeredAt.Add(g.cfg.MatchTimeout).Sub(g.clock.Now()), 0)
	s.matchTimer = g.clock.AfterFunc(d, func() { g.onMatchTimeout(s, gen) })
}

// onMatchTimeout makes a still-pending session unmatched and applies the
// on_timeout policy. The generation check drops a callback whose timer was
// re-armed or stopped while it was already on its way.
func (g *Gate) onMatchTimeout(s *Session, gen uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || gen != s.matchGen || s.state != StatePending {
		return
	}
	s.matchTimer = nil
	s.idle = StateUnmatched
	g.setStateLocked(s, StateUnmatched, "match-timeout")
	g.log.Info("session unmatched", "session", s.id, "policy", g.cfg.OnTimeout)
	if g.cfg.OnTimeout == Bye {
		g.endLocked(s, "match-timeout")
	}
}

// armGraceLocked starts the end grace after a CTI end.
func (g *Gate) armGraceLocked(s *Session) {
	s.stopGraceLocked()
	s.ending = true
	s.endBy = g.clock.Now().Add(g.cfg.EndGrace)
	gen := s.graceGen
	s.graceTimer = g.clock.AfterFunc(g.cfg.EndGrace, func() { g.onGraceExpired(s, gen) })
}

// onGraceExpired ends a session whose CTI end was not followed by a start.
func (g *Gate) onGraceExpired(s *Session, gen uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || gen != s.graceGen || !s.ending {
		return
	}
	s.graceTimer = nil
	g.endLocked(s, "cti-end")
}
