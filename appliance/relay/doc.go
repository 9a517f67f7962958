// Package relay holds the sinks for a session's framed audio: today the
// local recording (WAV + JSON, DESIGN §3), next the cloud AudioHook client.
// Every sink implements Recording, and Multi fans one session's frames out
// to several of them (sink: both).
//
// # Frames without importing media
//
// relay does not import the media package. Frame here has exactly the
// fields, types and order of media.Frame, so the appliance adapts a
// recording to a media.Sink with a pointer conversion that copies nothing
// and allocates nothing, and that stops compiling if the two ever drift:
//
//	type mediaSink struct{ r relay.Recording }
//
//	func (m mediaSink) WriteFrame(f *media.Frame) error {
//		return m.r.WriteFrame((*relay.Frame)(f))
//	}
//
// An interface with accessor methods would cost a dynamic call per field
// per frame and still need the same adapter, since media.Frame has no
// methods.
//
// # Threads
//
// WriteFrame is called by the media clock worker that serves many sessions,
// so it never does disk I/O, never blocks on the disk, and does not allocate
// in steady state: it copies samples into a ~1 s buffer and hands full
// buffers to the recording's writer goroutine through a bounded queue. When
// the disk falls behind and the queue is full, the newest second is dropped
// and counted (metrics and JSON), never waited for. Open and Close do I/O
// and may block; call them from the session's own goroutine.
package relay
