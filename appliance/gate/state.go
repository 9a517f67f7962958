package gate

import "time"

// State is a session's place in the state machine (DESIGN §1). It is a
// string so that it reads the same in JSON, logs and metric labels.
type State string

// Session states.
const (
	// StatePending: answered inactive, waiting for a CTI event.
	StatePending State = "pending"
	// StateActive: media flowing and relayed.
	StateActive State = "active"
	// StateHeld: the agent's call is on hold, or ended and within the end grace.
	StateHeld State = "held"
	// StateUnmatched: match_timeout passed with no CTI event; a late start
	// still activates the session when on_timeout is keep_inactive.
	StateUnmatched State = "unmatched"
	// StateEnded: terminal; the session has left the registry.
	StateEnded State = "ended"
)

// liveStates are the states a registered session can be in; Counts and the
// sessions gauge report exactly these.
var liveStates = [...]State{StatePending, StateActive, StateHeld, StateUnmatched}

// Transition is one recorded change of a session. From and To are equal for
// changes that keep the state, such as a new agent on an active session.
type Transition struct {
	From   State     `json:"from"`
	To     State     `json:"to"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// maxTransitions bounds the history kept per session: a long call with many
// holds must not grow without limit. Older entries are dropped and counted.
const maxTransitions = 64
