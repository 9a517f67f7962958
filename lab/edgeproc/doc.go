// Package edgeproc runs the real cogito-edge binary as a subprocess for the
// lab and the bench: it writes a config on free loopback ports with its own
// recording directory and media port range, starts `cogito-edge run
// --config F`, captures the JSON logs to a file and waits for /readyz.
//
// Once started, an Edge answers for the process:
//
//	e, err := edgeproc.Start(ctx, edgeproc.Options{Binary: "bin/cogito-edge"})
//	defer e.Stop()
//	e.SIPAddr()                  // UDP and TCP, same port
//	e.CTI(ctx, ev)               // POST /v1/cti
//	e.WaitCall(ctx, HasKey(k))   // GET /v1/calls until a call matches
//	e.Metrics(ctx)               // GET /metrics, parsed
//	e.WaitRecording(ctx, id)     // the WAV and its closed JSON manifest
//	e.Usage()                    // CPU time and RSS from /proc
//
// Lifecycle: Start binds nothing itself (it only probes ports) and returns
// once the appliance is ready or has failed, killing it on failure. Stop
// sends SIGTERM, waits, then SIGKILLs; it is idempotent. The child gets
// SIGTERM if the parent dies (Linux Pdeathsig), so a crashed lab leaves no
// appliance behind.
package edgeproc
