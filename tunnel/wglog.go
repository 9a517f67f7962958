package tunnel

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"golang.zx2c4.com/wireguard/device"
)

// wireguard-go reports handshakes only in its log, not over UAPI. These are
// its format strings (device/send.go and device/timers.go); the logger
// matches the format, not the formatted text, so counting costs a string
// compare and never depends on a peer's name.
const (
	fmtSendInitiation = "%v - Sending handshake initiation"
	fmtRetrying       = "%s - Handshake did not complete after %d seconds, retrying (try %d)"
	fmtGivingUp       = "%s - Handshake did not complete after %d attempts, giving up"
)

// handshakeEvents counts what the device logged about handshakes.
//
// A failure is an initiation that got no valid response within
// REKEY_TIMEOUT (5 s): wireguard-go logs each such timeout on its
// retransmit timer, "retrying" or, after the last of 20 tries, "giving up".
// A wrong peer key, a peer that does not know our key, or UDP that does not
// get through all look the same from here: initiations with no answer.
type handshakeEvents struct {
	attempts atomic.Uint64 // initiations sent
	failures atomic.Uint64 // initiations timed out
}

// deviceLogger adapts wireguard-go's printf logger to slog and counts
// handshake events. Its verbose level is slog's debug; its errors are
// warnings, as most are transient (a send that failed).
func deviceLogger(log *slog.Logger, ev *handshakeEvents) *device.Logger {
	return &device.Logger{
		Verbosef: func(format string, args ...any) {
			switch format {
			case fmtSendInitiation:
				ev.attempts.Add(1)
			case fmtRetrying, fmtGivingUp:
				ev.failures.Add(1)
			}
			if log.Enabled(context.Background(), slog.LevelDebug) {
				log.Debug("wireguard: " + fmt.Sprintf(format, args...))
			}
		},
		Errorf: func(format string, args ...any) {
			log.Warn("wireguard: " + fmt.Sprintf(format, args...))
		},
	}
}
