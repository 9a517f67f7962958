// Package ahlab plays both ends of AudioHook in the lab, on the production
// protocol package (appliance/audiohook), not a copy of it.
//
// Ingest is the Cogito cloud's AudioHook ingest, the server the
// appliance's relay streams to (cogito-lab audiohook-server, and the
// ingest of lab/cloudsim). It writes each recording as stereo WAV + JSON
// through relay.LocalStore (DESIGN §3: channel 0 external, channel 1
// internal). A continued session (continuedSessions) appends to the
// recording of the session it continues, by stream position: audio the
// client resends from the acknowledged position is skipped exactly, a jump
// forward is a gap in the JSON, and pauses are holds. Tests drive it
// through a Go API: wait for a recording, list sessions with their
// first-audio time, pause, resume or disconnect a session, kill its
// connection, or take the whole ingest down for a while.
//
// Player is a Genesys Cloud AudioHook client (cogito-lab audiohook-client):
// it streams a stereo WAV, or the lab's tones (customer 440 Hz external,
// agent 1000 Hz internal), to any AudioHook server at real-time pace,
// follows the server's pause and resume, pings, closes, and reports what
// happened.
package ahlab
