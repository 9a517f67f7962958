package control

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait between connection attempts: exponential from min
// to max, each wait drawn from [d/2, d] so that appliances that lost the
// cloud together do not come back in step. It is owned by Run's goroutine.
type backoff struct {
	min, max time.Duration
	n        int // failed attempts since the last stable connection
}

// next returns the wait before the next attempt and counts one more.
func (b *backoff) next() time.Duration {
	d := b.min
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.n++
	half := d / 2
	return half + rand.N(d-half+1)
}

// reset starts again from min, after a connection that proved stable.
func (b *backoff) reset() { b.n = 0 }
