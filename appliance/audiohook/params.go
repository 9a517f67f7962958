package audiohook

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Params are the parameters of a message; the concrete types are listed on
// Message. The interface is closed to this package.
type Params interface {
	validate() error
}

// Empty is the parameters of pause, paused, resume, pong, updated and
// closed: an empty object (members a newer peer adds are ignored).
type Empty struct{}

func (*Empty) validate() error { return nil }

// Participant is the party whose conversation the session streams. The
// connection probe sends id NullUUID and empty strings.
type Participant struct {
	ID      string `json:"id"`
	ANI     string `json:"ani"`
	ANIName string `json:"aniName"`
	DNIS    string `json:"dnis"`
}

// ContinuedSession names a previous session this one continues, with the
// last sequence numbers each side processed on it.
type ContinuedSession struct {
	ID        string `json:"id"`
	ServerSeq int64  `json:"serverseq"`
	ClientSeq int64  `json:"clientseq"`
}

// OpenParameters are open's parameters.
type OpenParameters struct {
	OrganizationID     string             `json:"organizationId"`
	ConversationID     string             `json:"conversationId"`
	Participant        Participant        `json:"participant"`
	Media              []Media            `json:"media"`
	Language           string             `json:"language,omitempty"`
	SupportedLanguages bool               `json:"supportedLanguages,omitempty"` // asks opened to list them
	ContinuedSessions  []ContinuedSession `json:"continuedSessions,omitempty"`
	CustomConfig       json.RawMessage    `json:"customConfig,omitempty"` // a JSON object
}

// IsProbe reports whether the open is Genesys's connection probe: null
// conversation and participant ids, and no audio will follow.
func (p *OpenParameters) IsProbe() bool {
	return p.ConversationID == NullUUID && p.Participant.ID == NullUUID
}

func (p *OpenParameters) validate() error {
	for _, u := range []struct{ name, v string }{
		{"organizationId", p.OrganizationID}, {"conversationId", p.ConversationID}, {"participant.id", p.Participant.ID},
	} {
		if !IsUUID(u.v) {
			return fmt.Errorf("%s: %w: %q", u.name, ErrBadID, truncate(u.v))
		}
	}
	for i, m := range p.Media {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("media[%d]: %w", i, err)
		}
	}
	if p.Language != "" && !validLanguage(p.Language) {
		return fmt.Errorf("language %q: not a language tag", truncate(p.Language))
	}
	for i, c := range p.ContinuedSessions {
		if !IsUUID(c.ID) || c.ServerSeq < 0 || c.ClientSeq < 0 || c.ServerSeq > maxSeq || c.ClientSeq > maxSeq {
			return fmt.Errorf("continuedSessions[%d]: bad id or sequence numbers", i)
		}
	}
	if p.CustomConfig != nil {
		if _, err := asObject(p.CustomConfig); err != nil {
			return fmt.Errorf("customConfig: %w", err)
		}
	}
	return nil
}

// MarshalJSON sends media as [] rather than null.
func (p *OpenParameters) MarshalJSON() ([]byte, error) {
	type plain OpenParameters
	q := plain(*p)
	if q.Media == nil {
		q.Media = []Media{}
	}
	return json.Marshal(&q)
}

// OpenedParameters are opened's parameters. Media holds the one selected
// format, or none (no audio will flow).
type OpenedParameters struct {
	Media              []Media  `json:"media"`
	DiscardTo          Duration `json:"discardTo,omitzero"`
	StartPaused        bool     `json:"startPaused"`
	SupportedLanguages []string `json:"supportedLanguages,omitzero"` // sent when non-nil, even empty
}

func (p *OpenedParameters) validate() error {
	if len(p.Media) > 1 {
		return fmt.Errorf("media: %d formats selected, at most 1", len(p.Media))
	}
	for i, m := range p.Media {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("media[%d]: %w", i, err)
		}
	}
	if p.DiscardTo < 0 {
		return fmt.Errorf("discardTo: negative")
	}
	return nil
}

// MarshalJSON sends media as [] rather than null.
func (p *OpenedParameters) MarshalJSON() ([]byte, error) {
	type plain OpenedParameters
	q := plain(*p)
	if q.Media == nil {
		q.Media = []Media{}
	}
	return json.Marshal(&q)
}

// PingParameters are ping's parameters: the RTT the client measured on the
// previous ping, if any.
type PingParameters struct {
	RTT Duration `json:"rtt,omitzero"`
}

func (p *PingParameters) validate() error { return nonNegative("rtt", p.RTT) }

// ResumedParameters say where the pause began and how much audio it skipped.
type ResumedParameters struct {
	Start     Duration `json:"start"`
	Discarded Duration `json:"discarded"`
}

func (p *ResumedParameters) validate() error {
	return errors.Join(nonNegative("start", p.Start), nonNegative("discarded", p.Discarded))
}

// DiscardedParameters say which stretch of audio the client dropped.
type DiscardedParameters struct {
	Start     Duration `json:"start"`
	Discarded Duration `json:"discarded"`
}

func (p *DiscardedParameters) validate() error {
	return errors.Join(nonNegative("start", p.Start), nonNegative("discarded", p.Discarded))
}

// UpdateParameters carry the changed session parameters: the language.
type UpdateParameters struct {
	Language string `json:"language"`
}

func (p *UpdateParameters) validate() error {
	if !validLanguage(p.Language) {
		return fmt.Errorf("language %q: not a language tag", truncate(p.Language))
	}
	return nil
}

// validLanguage accepts a BCP 47 shaped tag ("en-US", "es-419", "de").
func validLanguage(s string) bool {
	n, parts := 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '-' {
			if n < 1 || n > 8 || (parts == 0 && n < 2) {
				return false
			}
			n, parts = 0, parts+1
			continue
		}
		c := s[i] | 0x20
		if !('a' <= c && c <= 'z') && !(parts > 0 && '0' <= s[i] && s[i] <= '9') {
			return false
		}
		n++
	}
	return true
}

func nonNegative(name string, d Duration) error {
	if d < 0 {
		return fmt.Errorf("%s: negative", name)
	}
	return nil
}
