package srs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// allowMethods is our Allow header value.
const allowMethods = "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE"

// acceptTypes is our Accept header value: in OPTIONS answers, and in 415
// answers, which RFC 3261 §21.4.13 requires to list what we take.
const acceptTypes = "application/sdp, application/rs-metadata+xml, multipart/mixed"

// warning builds a Warning header (RFC 3261 §20.43) with code 399
// (miscellaneous) so an SBC admin sees why we refused.
func warning(text string) sip.Header {
	text = strings.ReplaceAll(text, `"`, `'`)
	return sip.NewHeader("Warning", fmt.Sprintf(`399 cogito-edge "%s"`, text))
}

func retryAfter(d time.Duration) sip.Header {
	return sip.NewHeader("Retry-After", strconv.Itoa(int(d.Round(time.Second)/time.Second)))
}

// respond sends a final or provisional response, logging transport errors.
func (s *Server) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Warn("sip respond failed", "method", req.Method, "code", code, "error", err)
	}
}

// reject answers a request with an error code and a Warning, and counts it.
func (s *Server) reject(tx sip.ServerTransaction, req *sip.Request, code int, reason, outcome, why string, hdrs ...sip.Header) {
	s.m.requests(req.Method, outcome)
	s.log.Info("sip request rejected", "method", req.Method, "code", code, "outcome", outcome, "reason", why,
		"call_id", callIDOf(req), "source", req.Source())
	if code == 415 {
		hdrs = append(hdrs, sip.NewHeader("Accept", acceptTypes))
	}
	hdrs = append(hdrs, warning(why))
	s.respond(tx, req, code, reason, nil, hdrs...)
}

func callIDOf(req *sip.Request) string {
	if c := req.CallID(); c != nil {
		return string(*c)
	}
	return ""
}
