// Package admin is the appliance's loopback HTTP API:
//
//	GET  /healthz         200 while the process serves
//	GET  /readyz          200 when every readiness check passes, else 503; JSON lists the checks
//	GET  /metrics         Prometheus text from the appliance's registry
//	GET  /v1/calls        JSON list of live sessions
//	GET  /v1/calls/{id}   one session, 404 if unknown
//	POST /v1/cti          a CTI event (DESIGN §3 JSON), only when cti.source includes api
//
// It has no authentication: it listens on loopback only (New refuses any
// other address) and, as defence in depth, answers 403 to a peer that is
// not loopback and 415 to a POST that is not application/json, which a
// browser cannot send cross-origin without a preflight this server never
// answers. The package knows nothing of the gate or the SIP side: it serves
// what its Deps functions return.
package admin
