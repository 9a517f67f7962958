// Package ingest is the appliance's AudioHook server mode: Genesys Cloud
// streams a conversation's audio to the appliance itself (DESIGN §1, §9).
//
// Each AudioHook session becomes a gate session keyed by its conversation
// id. A session whose CTI start is already known opens running; otherwise it
// opens with startPaused — the AudioHook form of "inactive until matched" —
// and the gate resumes it on the match. CTI hold and resume become pause and
// resume, a CTI end becomes disconnect{completed} once the audio is flushed.
// The audio is cut into the same 20 ms stereo frames as SIPREC audio and
// goes to the same relay sinks.
package ingest
