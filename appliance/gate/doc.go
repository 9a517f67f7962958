// Package gate is the session registry and the CTI state machine of the
// appliance (DESIGN §1). Every recording session (a SIPREC dialog, later an
// AudioHook stream) is offered to the gate with its canonical match keys and
// a Leg the gate drives; CTI events are delivered to the gate and applied to
// every session that shares a key with them.
//
// The gate never imports SIP, SDP, media or WebSocket code: the other side
// of a session is only the Leg interface.
//
// States and the events that move between them:
//
//	Offer ──▶ pending ──── match_timeout ────▶ unmatched
//	             │ start                           │ start
//	             ▼                                 │
//	          active ◀─────────────────────────────┘
//	           │  ▲
//	      hold │  │ resume, or a start for another agent
//	           ▼  │
//	           held
//	             end (from active or held) pauses the leg and starts the
//	             end grace; a start within the grace resumes the same
//	             recording; when the grace expires ──▶ ended (Leg.End "cti-end")
//
//	   any state ──▶ ended: Session.Close (the SIP side hung up), match_timeout
//	   with on_timeout=bye (Leg.End "match-timeout"), Drain (Leg.End "shutdown").
//
// Leg calls never run with the gate lock held. Each session has at most one
// worker goroutine, started when the leg is behind the session's state and
// gone when it has caught up; it brings the leg to the current state one
// call at a time. Calls for one session are therefore serialised and in
// order, calls for different sessions run concurrently, and a burst of
// events that a slow call has not caught up with collapses to the calls that
// reach the latest state (hold then resume during a slow Activate produces
// no Pause and no Resume).
package gate
