// Package callgen plays an Oracle SBC towards a SIPREC recording server
// (SRS) for tests and load: it sends recording INVITEs (SDP + Oracle-style
// rs-metadata, fresh match keys per call), checks the SRS holds the session
// inactive, accepts the SRS's activating re-INVITE and then streams both legs
// of the call, each with its own tone, over RTP or SDES-SRTP.
//
// Call flow, as the SBC sees it:
//
//	INVITE (sendonly ×2) ──▶            SRS
//	        ◀── 200 OK (inactive ×2, labels echoed)
//	ACK ──▶                             (pending: OnAnswered hook, optional CTI POST)
//	        ◀── re-INVITE (recvonly ×2)
//	200 OK (sendonly ×2) ──▶
//	        ◀── ACK                     (active: both legs stream for Duration)
//	BYE ──▶  or  ◀── BYE
//
// Roles: for an inbound call the caller (first stream, callingParty=true) is
// the customer; for an outbound call the caller is the agent. CustomerTone
// and AgentTone follow the roles, so a correct recording always has the
// customer's tone on channel 0 and the agent's on channel 1.
//
// Load: one UDP socket per leg (its port is the one advertised), a few
// pacing workers that each serve many legs per 20 ms tick, payloads
// pre-encoded per tone, RTP headers rewritten in place, no allocation per
// packet.
package callgen
