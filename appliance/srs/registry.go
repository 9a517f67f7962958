package srs

import (
	"fmt"
	"net/netip"

	"github.com/cogito/cogito-edge/appliance/media"
	"github.com/emiago/sipgo/sip"
)

// add registers a session under its dialog id.
func (s *Server) add(sess *session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if len(s.active) >= s.cfg.MaxSessions {
		// The check in onNewSession is a fast path; this one holds under
		// concurrent INVITEs.
		return ErrOverCapacity
	}
	if _, dup := s.active[sess.dlg.id]; dup {
		return fmt.Errorf("srs: duplicate dialog %s", sess.dlg.id)
	}
	s.active[sess.dlg.id] = sess
	s.m.dialogs(len(s.active))
	return nil
}

func (s *Server) remove(sess *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.active[sess.dlg.id]; ok && cur == sess {
		delete(s.active, sess.dlg.id)
	}
	s.m.dialogs(len(s.active))
}

// find returns the session an in-dialog request belongs to.
func (s *Server) find(req *sip.Request) *session {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[id]
}

// sessions returns a snapshot of the live sessions.
func (s *Server) sessions() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.active))
	for _, sess := range s.active {
		out = append(out, sess)
	}
	return out
}

func netipAddrPort(a netip.Addr, port int) netip.AddrPort {
	if port < 0 || port > 65535 {
		port = 0
	}
	return netip.AddrPortFrom(a, uint16(port))
}

// MediaStats returns the media counters of the session with the given id.
func (s *Server) MediaStats(id string) (media.SessionStats, bool) {
	for _, sess := range s.sessions() {
		if sess.id == id {
			return sess.media.Stats(), true
		}
	}
	return media.SessionStats{}, false
}
