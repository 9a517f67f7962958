package appliance

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/cogito/cogito-edge/appliance/gate"
)

// The service manager protocol (sd_notify(3), DESIGN §10). Under systemd
// with Type=notify the appliance says:
//
//	READY=1            once SIP and media are bound and, when configured, the
//	                   tunnel has a valid handshake, the control channel
//	                   is connected and the Genesys tracker has loaded the
//	                   users and subscribed its channels (systemctl start
//	                   returns then);
//	STATUS=…           live figures, every statusEvery and at each change of
//	                   phase: calls by state, tunnel handshake age, control
//	                   channel (systemctl status shows the line);
//	WATCHDOG=1         every watchdog/4 while the appliance is healthy: the
//	                   media clock ticks and the gate answers. A stuck gate
//	                   blocks the loop itself, so the pings stop either way
//	                   and systemd aborts and restarts the service;
//	STOPPING=1         when Close starts draining, with EXTEND_TIMEOUT_USEC
//	                   covering drain_timeout plus the BYEs.
//
// Without NOTIFY_SOCKET nothing is sent and no goroutine runs.
const (
	// startPoll is how often readiness is checked before READY=1: the tunnel
	// handshake and the control channel have no event to wait on.
	startPoll = 250 * time.Millisecond
	// runPoll bounds the loop period once ready; a watchdog shortens it.
	runPoll = time.Second
	// statusEvery is how often STATUS= is refreshed.
	statusEvery = 5 * time.Second
	// clockStale is how long the media clock may go without a tick (every
	// frame period, 20 ms) before the appliance is unhealthy.
	clockStale = 2 * time.Second
	// stopMargin is added to drain_timeout and the BYE bound for the
	// shutdown's EXTEND_TIMEOUT_USEC: closing the parts after the BYEs.
	stopMargin = 15 * time.Second
)

// notifier sends sd_notify messages. Its zero value (and one without a
// NOTIFY_SOCKET) sends nothing.
type notifier struct {
	log  *slog.Logger
	send func(state string) error // nil: no service manager listens
	// watchdog is the unit's WatchdogSec (WATCHDOG_USEC); 0: no watchdog.
	watchdog time.Duration

	mu       sync.Mutex    // guards the following fields
	done     chan struct{} // closed when routineNotify returns; nil if it never ran
	stopping bool          // STOPPING=1 sent: no READY=1 after it
	since    time.Time     // when routineNotify started
}

// newNotifier returns a notifier for the service manager named by
// NOTIFY_SOCKET, if any.
func newNotifier(log *slog.Logger) *notifier {
	n := &notifier{log: log.With("component", "notify")}
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return n
	}
	n.send = func(state string) error {
		_, err := daemon.SdNotify(false, state)
		return err
	}
	wd, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		n.log.Warn("ignoring the watchdog settings from the service manager", "err", err)
	}
	n.watchdog = wd
	return n
}

// notify sends one message; a failure is logged, never fatal.
func (n *notifier) notify(state string) {
	if n.send == nil {
		return
	}
	if err := n.send(state); err != nil {
		n.log.Warn("sd_notify failed", "state", firstLine(state), "err", err)
	}
}

// period is the loop period once ready: runPoll, or a quarter of the
// watchdog so that one late ping never trips it.
func (n *notifier) period() time.Duration {
	if n.watchdog > 0 {
		return min(runPoll, n.watchdog/4)
	}
	return runPoll
}

func (n *notifier) isStopping() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stopping
}

// startNotify starts routineNotify when a service manager listens. Run
// calls it once everything is bound.
func (a *Appliance) startNotify() {
	n := a.notify
	if n.send == nil || a.life.Err() != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.done != nil {
		return
	}
	n.done, n.since = make(chan struct{}), time.Now()
	go a.routineNotify(n.done)
}

// waitNotify returns once routineNotify has returned (Close, after the
// appliance's life has ended).
func (a *Appliance) waitNotify() {
	a.notify.mu.Lock()
	done := a.notify.done
	a.notify.mu.Unlock()
	if done != nil {
		<-done
	}
}

// notifyStopping tells the service manager that the appliance drains, and
// how long it may take: drain plus the BYEs plus closing.
func (a *Appliance) notifyStopping(drain time.Duration) {
	n := a.notify
	n.mu.Lock()
	n.stopping = true
	n.mu.Unlock()
	if n.send == nil {
		return
	}
	extend := (drain + byeTimeout + stopMargin).Microseconds()
	n.notify("STOPPING=1\nEXTEND_TIMEOUT_USEC=" + strconv.FormatInt(extend, 10) + "\nSTATUS=" + a.statusLine(nil))
}

// routineNotify is the notification loop: it sends READY=1 once the
// appliance is up, refreshes STATUS= and feeds the watchdog while the
// appliance is healthy, until Close ends the appliance's life.
func (a *Appliance) routineNotify(done chan struct{}) {
	defer close(done)
	n := a.notify
	t := time.NewTicker(startPoll)
	defer t.Stop()
	var (
		ready      bool
		lastStatus time.Time
		lastSick   string // the last health problem logged, to log each once
		lastUp     string // the last startup wait STATUS showed
	)
	for {
		now := time.Now()
		stopping := n.isStopping()
		switch err := a.healthy(now); {
		case stopping || err == nil:
			// While draining, TimeoutStopSec and its extension bound the
			// shutdown; the parts stop one by one, so no health check.
			if n.watchdog > 0 {
				n.notify("WATCHDOG=1")
			}
			lastSick = ""
		case err.Error() != lastSick:
			lastSick = err.Error()
			a.log.Error("unhealthy: not feeding the service manager's watchdog", "err", err)
		}
		switch {
		case stopping:
		case !ready:
			upErr := a.upForReady()
			if upErr == nil {
				ready = true
				n.notify("READY=1\nSTATUS=" + a.statusLine(nil))
				lastStatus = now
				a.log.Info("ready: told the service manager")
				t.Reset(n.period())
				break
			}
			if s := upErr.Error(); s != lastUp || now.Sub(lastStatus) >= statusEvery {
				lastUp, lastStatus = s, now
				n.notify("STATUS=" + a.statusLine(upErr))
			}
		}
		if (ready || stopping) && now.Sub(lastStatus) >= statusEvery {
			lastStatus = now
			n.notify("STATUS=" + a.statusLine(nil))
		}
		select {
		case <-a.life.Done():
			return
		case <-t.C:
		}
	}
}

// healthy reports whether the appliance's insides run: the media clock
// ticks, and the gate answers (Counts takes its lock: a deadlocked gate
// blocks here, and the watchdog pings stop with it).
func (a *Appliance) healthy(now time.Time) error {
	last := a.engine.LastTick()
	if last.IsZero() {
		a.notify.mu.Lock()
		since := a.notify.since
		a.notify.mu.Unlock()
		if since.IsZero() || now.Sub(since) > clockStale {
			return fmt.Errorf("media clock has not ticked")
		}
		return nil // the first tick is at most a frame away
	}
	if age := now.Sub(last); age > clockStale {
		return fmt.Errorf("media clock last ticked %s ago", age.Round(time.Millisecond))
	}
	_ = a.gate.Counts()
	return nil
}

// upForReady returns nil once the parts READY=1 waits for are up: SIP and
// media are (Run starts the loop after binding them), so it is the Genesys
// tracker serving (users loaded, channels subscribed), the tunnel with a
// valid handshake and the connected control channel, when configured.
func (a *Appliance) upForReady() error {
	if err := a.genesysReady(); err != nil {
		return err
	}
	if a.cloud == nil {
		return nil
	}
	if h := a.cloud.tun.Health(); !h.Ready {
		return fmt.Errorf("tunnel: %s", orWord(h.Problem, "no handshake yet"))
	}
	if ctl := a.cloud.ctl; ctl != nil {
		if st := ctl.Status(); !st.Connected {
			return fmt.Errorf("control channel: %s", orWord(st.LastError, "connecting"))
		}
	}
	return nil
}

// statusLine is the STATUS= text: the phase, then live figures, such as
//
//	ready; calls 3 (active 2, pending 1); tunnel handshake 14s ago; control connected
//
// waiting, when not nil, is what startup still waits for.
func (a *Appliance) statusLine(waiting error) string {
	var b strings.Builder
	switch {
	case a.notify.isStopping():
		b.WriteString("draining")
	case waiting != nil:
		b.WriteString("starting, waiting for " + waiting.Error())
	default:
		if err := a.sip.Ready(); err != nil {
			b.WriteString("not taking calls: " + strings.TrimPrefix(err.Error(), "srs: not ready: "))
		} else {
			b.WriteString("ready")
		}
	}
	b.WriteString("; ")
	b.WriteString(callCounts(a.gate.Counts()))
	if a.cloud != nil {
		h := a.cloud.tun.Health()
		if h.LastHandshake.IsZero() {
			b.WriteString("; tunnel no handshake")
		} else {
			b.WriteString("; tunnel handshake " + h.HandshakeAge.Round(time.Second).String() + " ago")
		}
		if ctl := a.cloud.ctl; ctl != nil {
			if st := ctl.Status(); st.Connected {
				b.WriteString("; control connected")
			} else {
				b.WriteString("; control down " + st.DownFor.Round(time.Second).String())
			}
		}
	}
	b.WriteString(a.genesysStatusWord())
	return b.String()
}

// callCounts renders "calls 3 (active 2, pending 1)": the total, then the
// non-empty states in a fixed order.
func callCounts(c map[gate.State]int) string {
	var parts []string
	total := 0
	for _, st := range []gate.State{gate.StateActive, gate.StatePending, gate.StateHeld, gate.StateUnmatched} {
		total += c[st]
		if c[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, c[st]))
		}
	}
	if total == 0 {
		return "calls 0"
	}
	return fmt.Sprintf("calls %d (%s)", total, strings.Join(parts, ", "))
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
