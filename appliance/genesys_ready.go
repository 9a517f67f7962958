package appliance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/admin"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
)

// Readiness of direct mode has two levels:
//
//   - serving: the tracker delivers events: the users are loaded, every
//     notification channel has been subscribed and none is down past the
//     tracker's grace, and Genesys accepted some topics. The SBC's OPTIONS
//     and READY=1 go by this, like the control channel's connection: a
//     tracker that loses a few agents still records everyone else's calls.
//   - complete: serving, and no agent is lost: no topic refused (a missing
//     permission), no agent past the channel limit. The /readyz check
//     "genesys" goes by this, so that monitoring sees what is missing.

// genesysProblem says why the tracker does not deliver events now, or
// returns "" when it does. With complete it also reports the problems
// that lose some agents only. ready is the tracker's Ready.
func genesysProblem(st genesys.Status, ready error, complete bool) string {
	if ready != nil {
		return strings.TrimPrefix(ready.Error(), genesys.ErrNotReady.Error()+": ")
	}
	if !st.UsersLoaded {
		return "users not loaded yet"
	}
	var accepted, refused int
	for _, c := range st.Channels {
		if c.ID == "" {
			return fmt.Sprintf("notification channel not subscribed yet: %s", orWord(c.LastError, "creating it"))
		}
		accepted += c.Topics
		refused += c.Rejected
	}
	if refused > 0 && (complete || accepted == 0) {
		msg := fmt.Sprintf("Genesys refused %d of %d topics", refused, accepted+refused)
		if strings.Contains(st.LastError, "refused") {
			msg = st.LastError
		}
		return msg
	}
	if complete && st.Untracked > 0 {
		return fmt.Sprintf("%d agents NOT followed: over the 20 channels of 1,000 topics one OAuth client may have", st.Untracked)
	}
	return ""
}

// genesysSummary is what the tracker does now, such as "following 25
// agents on 1 channel (1 connected), 2 calls; last event 3s ago".
func genesysSummary(st genesys.Status, now time.Time) string {
	connected := 0
	for _, c := range st.Channels {
		if c.Connected {
			connected++
		}
	}
	s := fmt.Sprintf("following %d agents on %d %s (%d connected), %d calls; ",
		st.Users, len(st.Channels), plural(len(st.Channels), "channel", "channels"), connected, st.Conversations)
	if st.LastEvent.IsZero() {
		s += "no event yet"
	} else {
		s += "last event " + now.Sub(st.LastEvent).Round(time.Second).String() + " ago"
	}
	return s
}

// genesysCheck is the /readyz check "genesys".
func genesysCheck(st genesys.Status, ready error, now time.Time) admin.Check {
	if p := genesysProblem(st, ready, true); p != "" {
		return admin.Check{Name: "genesys", OK: false, Detail: p}
	}
	detail := genesysSummary(st, now)
	if st.LastError != "" {
		detail += "; last error: " + st.LastError
	}
	return admin.Check{Name: "genesys", OK: true, Detail: detail}
}

// genesysChecks are the /readyz checks of direct mode.
func (a *Appliance) genesysChecks() []admin.Check {
	if a.genesys == nil {
		return nil
	}
	tr := a.genesys.tr
	return []admin.Check{genesysCheck(tr.Status(), tr.Ready(), time.Now())}
}

// genesysReady is direct mode's part of "can we take a call" (SIP OPTIONS)
// and of READY=1: the tracker is serving.
func (a *Appliance) genesysReady() error {
	if a.genesys == nil {
		return nil
	}
	tr := a.genesys.tr
	if p := genesysProblem(tr.Status(), tr.Ready(), false); p != "" {
		return errors.New("genesys: " + p)
	}
	return nil
}

// ctiReady is what the CTI sources add to the SIP side's readiness.
func (a *Appliance) ctiReady() error { return errors.Join(a.cloudReady(), a.genesysReady()) }

// genesysStatusWord is the tracker's part of the STATUS= line.
func (a *Appliance) genesysStatusWord() string {
	if a.genesys == nil {
		return ""
	}
	st := a.genesys.tr.Status()
	connected := 0
	for _, c := range st.Channels {
		if c.Connected {
			connected++
		}
	}
	return fmt.Sprintf("; genesys %d agents, %d/%d channels", st.Users, connected, len(st.Channels))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
