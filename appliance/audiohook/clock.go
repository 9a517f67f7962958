package audiohook

import "time"

// Clock is the time source of signature ages and protocol timers (open and
// close deadlines, the ping cadence, the open-decision budget), so tests
// can drive them without waiting. Network I/O deadlines on the WebSocket
// use the wall clock regardless.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that sends on C once d has elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock.
type Timer interface {
	// C delivers the time once the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
	// Reset rearms the timer to fire after d.
	Reset(d time.Duration) bool
}

// SystemClock returns the Clock backed by package time.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time        { return t.t.C }
func (t sysTimer) Stop() bool                 { return t.t.Stop() }
func (t sysTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }
func clockOr(c Clock) Clock {
	if c == nil {
		return SystemClock()
	}
	return c
}
