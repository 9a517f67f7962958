package edgeproc

import "errors"

// Sentinel errors; each is wrapped with the operation and details.
var (
	// ErrExited means the appliance process is no longer running.
	ErrExited = errors.New("edgeproc: appliance exited")
	// ErrNotReady means /readyz did not answer 200 before the deadline.
	ErrNotReady = errors.New("edgeproc: appliance not ready")
	// ErrNoPorts means no free port (or port range) was found.
	ErrNoPorts = errors.New("edgeproc: no free ports")
	// ErrNoRecording means no recording exists (yet) for a session.
	ErrNoRecording = errors.New("edgeproc: no recording")
	// ErrAPI means the admin API answered with an unexpected status.
	ErrAPI = errors.New("edgeproc: admin API")
	// ErrProc means /proc could not be read or parsed.
	ErrProc = errors.New("edgeproc: /proc")
	// ErrMetrics means the Prometheus text could not be parsed.
	ErrMetrics = errors.New("edgeproc: metrics")
)
