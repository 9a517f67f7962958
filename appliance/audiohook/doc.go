// Package audiohook is the Genesys AudioHook protocol, version 2, in both
// roles (DESIGN §9): the server Genesys Cloud streams a conversation to,
// and the client the relay streams a recording to the Cogito cloud with.
//
// # Wire
//
// A session is one WebSocket. The HTTP upgrade carries
// Audiohook-Organization-Id, Audiohook-Session-Id, Audiohook-Correlation-Id
// (UUIDs), X-API-KEY, and an HTTP Message Signature (RFC 9421,
// hmac-sha256 keyed with the base64-decoded client secret) over
// "@request-target" "@authority" and those four headers; Sign makes it,
// Verifier checks it. Text frames are JSON messages of at most 64 KiB
// (Message, Marshal, Unmarshal): version "2", the session id, a type, seq
// (each side counts from 1 with no gaps), and either serverseq and
// position (client messages: the last server seq processed, the stream
// position as "PT<seconds>S") or clientseq (server messages). Binary frames
// are audio: headerless samples of the selected Media (PCMU or L16 at
// 8 kHz, one or two channels), interleaved in the order of its channels.
//
// # Session
//
//	client                               server
//	open (offers media) ───────────────▶
//	                    ◀─────────────── opened (selects one; startPaused?; discardTo?)   within 5 s
//	audio frames ──────────────────────▶
//	ping (1 s after opened, then 5 s) ─▶
//	                    ◀─────────────── pong                                              before the next ping
//	                    ◀─────────────── pause / resume
//	paused / resumed{start,discarded} ─▶
//	update, discarded, error ──────────▶
//	                    ◀─────────────── event, reconnect, disconnect{reason}
//	close{reason} ─────────────────────▶
//	                    ◀─────────────── closed                                            within 10 s
//
// The client always opens and closes the session; the server asks for the
// end with disconnect (completed, unauthorized, error). AudioHook v2 has no
// server-to-client error message: a violation the server detects is a
// disconnect{reason:"error"} whose info starts with the code (400, 405,
// 408, 409, 413, 415, 500, 503), while the client reports its own with an
// error message and closes with reason error. The connection probe
// (conversationId and participant.id NullUUID, no audio) is a full
// open/opened/close/closed exchange the server must pass.
//
// # Server role
//
// Server is an http.Handler; each connection is a ServerSession that calls
// the Application: Open decides (run, or start paused until a CTI match),
// Audio delivers frames decoded to stereo int16 with their stream
// position, Notify reports paused/resumed/discarded/update/error, Closed
// ends it. ServerSession.Pause, Resume and Disconnect are the gate's Leg.
//
// # Client role
//
// Client.Open dials (through a custom DialContext), signs, opens and waits
// for opened; ClientSession.WriteAudio batches stereo int16 into frames
// (100 ms by default), and the session answers pings, pauses and resumes
// by itself. It is bound to one connection: when the connection drops it
// ends with ErrConnectionLost, and the relay opens a continued session
// (OpenRequest.Continue with the Continuation) and resends its buffer from
// the acknowledged position.
package audiohook
