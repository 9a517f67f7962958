package genesys

import "time"

// Clock is the time source of the tracker's long timers: the heartbeat
// watchdog, the ping keepalive, channel renewal and the user refresh. Tests
// drive them with a manual clock instead of waiting 70 s or 23 h.
// Retry back-off and OAuth token expiry use the wall clock: they are short,
// or computed by the OAuth library from expires_in.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d
	// has elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock, like time.Timer.
type Timer interface {
	// C is the channel the time is sent on.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
	// Reset makes the timer fire d from now, whether or not it had fired
	// or been stopped. A value already in C is discarded.
	Reset(d time.Duration)
}

// SystemClock returns the Clock backed by package time.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return &sysTimer{t: time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (s *sysTimer) C() <-chan time.Time { return s.t.C }
func (s *sysTimer) Stop() bool          { return s.t.Stop() }

// Reset relies on Go 1.23 timer semantics: Reset discards a pending value.
func (s *sysTimer) Reset(d time.Duration) { s.t.Reset(d) }
