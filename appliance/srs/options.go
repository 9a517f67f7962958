package srs

import (
	"github.com/emiago/sipgo/sip"
)

// onOptions answers the SBC's session-recording-group pings: 200 only when we
// can take a call, else 503 so the SBC hunts to the next recorder (DESIGN §4).
// An in-dialog OPTIONS is a keepalive for that dialog.
func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			if s.find(req) == nil {
				s.reject(tx, req, 481, "Call/Transaction Does Not Exist", "no_dialog", "no such recording dialog")
				return
			}
			s.m.requests(req.Method, "ok")
			s.respond(tx, req, 200, "OK", nil, sip.NewHeader("Allow", allowMethods))
			return
		}
	}
	if why := s.notReady(); why != "" {
		s.reject(tx, req, 503, "Service Unavailable", "not_ready", why, retryAfter(s.cfg.RetryAfter))
		return
	}
	s.m.requests(req.Method, "ok")
	s.respond(tx, req, 200, "OK", nil,
		sip.NewHeader("Allow", allowMethods),
		sip.NewHeader("Accept", acceptTypes),
		sip.NewHeader("Supported", "timer"))
}

// notReady says why we cannot take a call now, or "" when we can.
func (s *Server) notReady() string {
	switch {
	case s.draining.Load():
		return "recorder is draining"
	case s.Len() >= s.cfg.MaxSessions:
		return "at sip.max_sessions"
	case s.d.Media.Ports().Free() < 2:
		return "media port range exhausted"
	}
	if s.d.Ready != nil {
		if err := s.d.Ready(); err != nil {
			return err.Error()
		}
	}
	return ""
}

// Ready reports whether the SIP side can take a call (for /readyz).
func (s *Server) Ready() error {
	if why := s.notReady(); why != "" {
		return &notReadyError{why}
	}
	return nil
}

type notReadyError struct{ why string }

func (e *notReadyError) Error() string { return "srs: not ready: " + e.why }
