package callgen

import (
	"time"
)

// LegReport is what one RTP leg of a call did.
type LegReport struct {
	Role       string    `json:"role"` // customer or agent
	Label      string    `json:"label"`
	Tone       float64   `json:"tone_hz"`
	Local      string    `json:"local"`            // our address (the SDP's)
	Remote     string    `json:"remote,omitempty"` // SRS media address from its re-INVITE
	SSRC       uint32    `json:"ssrc"`
	SRTP       string    `json:"srtp,omitempty"`
	Packets    uint64    `json:"packets"`
	Bytes      uint64    `json:"bytes"`
	SendErrors uint64    `json:"send_errors"`
	Late       uint64    `json:"late"`                // sent more than ptime/2 after due
	Skipped    uint64    `json:"skipped"`             // dropped after a stall
	Corrupted  uint64    `json:"corrupted,omitempty"` // sent with a spoiled SRTP auth tag
	Start      time.Time `json:"start,omitzero"`
	Stop       time.Time `json:"stop,omitzero"`
}

// CallReport is what one call observed. Take it with Call.Report.
type CallReport struct {
	N           int          `json:"n"`
	CallID      string       `json:"call_id"`
	Direction   Direction    `json:"direction"`
	Keys        Keys         `json:"keys"`
	Labels      [2]string    `json:"labels"`
	OfferSDP    string       `json:"offer_sdp,omitempty"`
	AnswerSDP   string       `json:"answer_sdp,omitempty"`
	AnswerPorts [2]int       `json:"answer_ports"`
	ReinviteSDP string       `json:"reinvite_sdp,omitempty"` // the first activating re-INVITE's offer
	Reinvites   int          `json:"reinvites"`              // re-INVITEs received from the SRS
	Glare       int          `json:"glare"`                  // 491s received on our own re-INVITEs
	Violations  []string     `json:"violations,omitempty"`   // SIPREC contract breaches seen
	Legs        [2]LegReport `json:"legs"`
	InvitedAt   time.Time    `json:"invited_at"`
	AnsweredAt  time.Time    `json:"answered_at,omitzero"`
	ActivatedAt time.Time    `json:"activated_at,omitzero"`
	EndedAt     time.Time    `json:"ended_at,omitzero"`
	EndedBy     string       `json:"ended_by,omitempty"` // "sbc" (we sent BYE) or "srs"
	Err         string       `json:"error,omitempty"`
}

// Report sums up a Run.
type Report struct {
	Calls      int            `json:"calls"`
	Answered   int            `json:"answered"`
	Activated  int            `json:"activated"`
	Completed  int            `json:"completed"` // no error
	Failed     int            `json:"failed"`
	Packets    uint64         `json:"packets"`
	Bytes      uint64         `json:"bytes"`
	SendErrors uint64         `json:"send_errors"`
	Late       uint64         `json:"late"`
	Skipped    uint64         `json:"skipped"`
	Ticks      uint64         `json:"ticks"`
	LateTicks  uint64         `json:"late_ticks"`
	MaxActive  int            `json:"max_concurrent"`
	Started    time.Time      `json:"started"`
	Elapsed    time.Duration  `json:"elapsed"`
	Errors     map[string]int `json:"errors,omitempty"` // error text → calls
	Results    []CallReport   `json:"results,omitempty"`
}

// add folds one call into the totals.
func (r *Report) add(c CallReport) {
	r.Calls++
	if !c.AnsweredAt.IsZero() {
		r.Answered++
	}
	if !c.ActivatedAt.IsZero() {
		r.Activated++
	}
	if c.Err == "" {
		r.Completed++
	} else {
		r.Failed++
		if r.Errors == nil {
			r.Errors = make(map[string]int)
		}
		r.Errors[c.Err]++
	}
	for _, l := range c.Legs {
		r.Packets += l.Packets
		r.Bytes += l.Bytes
		r.SendErrors += l.SendErrors
		r.Late += l.Late
		r.Skipped += l.Skipped
	}
	r.Results = append(r.Results, c)
}
