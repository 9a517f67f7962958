// Package media is the media plane of a recording session: UDP ports, RTP
// and SDES-SRTP reception, a jitter buffer per leg, G.711 and G.722
// decoding, and one clock per session that frames both legs into stereo
// PCM for the relay sinks (DESIGN §6).
//
// The SIP layer negotiates; this package only receives. Its shape:
//
//	Engine ── PortPool          even RTP ports (+1 reserved for RTCP), bound on allocation
//	   │
//	   ├── clock workers        GOMAXPROCS goroutines, each ticking a shard of sessions
//	   │
//	   └── Session ── Sink      one stereo Frame every frame period while active
//	          └── Stream        one per accepted m-line: socket, routineReceive,
//	                            source/SSRC filter, SRTP, decoder, jitter buffer
//
// Lifecycle of a session (the gate drives it): NewSession, AddStream per
// m-line (pending: packets are dropped as "inactive"), Activate (the clock
// starts on the first activation and packets are accepted), Pause/Resume for
// hold, Deactivate, Close.
//
// Time: a session's clock starts at its first Activate, aligned down to the
// engine's tick grid. Frame N covers session time [N*period, (N+1)*period)
// and is produced once that interval has ended; a late tick produces every
// missed frame, so frames never drift from the wall clock.
//
// Hot path: a packet is parsed, checked, decrypted and decoded straight into
// the jitter buffer without allocating; see TestReceivePathDoesNotAllocate.
package media
