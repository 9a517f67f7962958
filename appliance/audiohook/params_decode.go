package audiohook

import (
	"encoding/json"
	"fmt"
)

// decodeParams decodes and validates the parameters of type t member by
// member: required members present, every member of its JSON type,
// values in range. Members the schema does not name are ignored.
func decodeParams(t Type, raw json.RawMessage) (Params, error) {
	if raw == nil {
		return nil, fmt.Errorf("parameters: missing")
	}
	o, err := asObject(raw)
	if err != nil {
		return nil, fmt.Errorf("parameters: %w", err)
	}
	var p Params
	switch t {
	case TypeOpen:
		p, err = decodeOpen(o)
	case TypeOpened:
		p, err = decodeOpened(o)
	case TypePing:
		var q PingParameters
		q.RTT, err = o.duration("rtt", false)
		p = &q
	case TypeResumed:
		var q ResumedParameters
		q.Start, q.Discarded, err = startDiscarded(o)
		p = &q
	case TypeDiscarded:
		var q DiscardedParameters
		q.Start, q.Discarded, err = startDiscarded(o)
		p = &q
	case TypeUpdate:
		var q UpdateParameters
		q.Language, err = o.str("language", true)
		p = &q
	case TypeClose:
		var q CloseParameters
		var s string
		s, err = o.str("reason", true)
		q.Reason = CloseReason(s)
		p = &q
	case TypeError:
		p, err = decodeError(o)
	case TypeDisconnect:
		p, err = decodeDisconnect(o)
	case TypeEvent:
		p, err = decodeEvent(o)
	case TypeReconnect:
		var q ReconnectParameters
		q.Info, err = o.str("info", false)
		p = &q
	default:
		p = &Empty{}
	}
	if err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func startDiscarded(o obj) (Duration, Duration, error) {
	s, err := o.duration("start", true)
	if err != nil {
		return 0, 0, err
	}
	d, err := o.duration("discarded", true)
	return s, d, err
}

func decodeOpen(o obj) (*OpenParameters, error) {
	var p OpenParameters
	var err error
	if p.OrganizationID, err = o.uuid("organizationId"); err != nil {
		return nil, err
	}
	if p.ConversationID, err = o.uuid("conversationId"); err != nil {
		return nil, err
	}
	po, _, err := o.object("participant", true)
	if err != nil {
		return nil, err
	}
	if p.Participant.ID, err = po.uuid("id"); err != nil {
		return nil, fmt.Errorf("participant.%w", err)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"ani", &p.Participant.ANI}, {"aniName", &p.Participant.ANIName}, {"dnis", &p.Participant.DNIS}} {
		if *f.dst, err = po.str(f.key, true); err != nil {
			return nil, fmt.Errorf("participant.%w", err)
		}
	}
	if p.Media, err = decodeMediaList(o, true); err != nil {
		return nil, err
	}
	if p.Language, err = o.str("language", false); err != nil {
		return nil, err
	}
	if p.SupportedLanguages, err = o.boolean("supportedLanguages"); err != nil {
		return nil, err
	}
	cs, _, err := o.array("continuedSessions", false)
	if err != nil {
		return nil, err
	}
	for i, raw := range cs {
		co, err := asObject(raw)
		if err != nil {
			return nil, fmt.Errorf("continuedSessions[%d]: %w", i, err)
		}
		var c ContinuedSession
		if c.ID, err = co.uuid("id"); err == nil {
			if c.ServerSeq, err = co.integer("serverseq", true, 0, maxSeq); err == nil {
				c.ClientSeq, err = co.integer("clientseq", true, 0, maxSeq)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("continuedSessions[%d].%w", i, err)
		}
		p.ContinuedSessions = append(p.ContinuedSessions, c)
	}
	if _, p.CustomConfig, err = o.object("customConfig", false); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodeOpened(o obj) (*OpenedParameters, error) {
	var p OpenedParameters
	var err error
	if p.Media, err = decodeMediaList(o, true); err != nil {
		return nil, err
	}
	if p.DiscardTo, err = o.duration("discardTo", false); err != nil {
		return nil, err
	}
	if p.StartPaused, err = o.boolean("startPaused"); err != nil {
		return nil, err
	}
	if p.SupportedLanguages, err = o.strings("supportedLanguages"); err != nil {
		return nil, err
	}
	return &p, nil
}

// decodeMediaList decodes media: an array of {type, format, channels, rate}.
func decodeMediaList(o obj, required bool) ([]Media, error) {
	a, _, err := o.array("media", required)
	if err != nil {
		return nil, err
	}
	out := make([]Media, 0, len(a))
	for i, raw := range a {
		mo, err := asObject(raw)
		if err != nil {
			return nil, fmt.Errorf("media[%d]: %w", i, err)
		}
		var m Media
		var s string
		var rate int64
		var chans []string
		if m.Type, err = mo.str("type", true); err == nil {
			if s, err = mo.str("format", true); err == nil {
				m.Format = Format(s)
				if rate, err = mo.integer("rate", true, 0, 1<<31-1); err == nil {
					m.Rate = int(rate)
					if chans, err = mo.strings("channels"); err == nil && chans == nil {
						err = fmt.Errorf("channels: missing")
					}
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("media[%d].%w", i, err)
		}
		for _, c := range chans {
			m.Channels = append(m.Channels, Channel(c))
		}
		out = append(out, m)
	}
	return out, nil
}

func decodeError(o obj) (*ErrorParameters, error) {
	var p ErrorParameters
	code, err := o.integer("code", true, 400, 9999)
	if err != nil {
		return nil, err
	}
	p.Code = int(code)
	if p.Message, err = o.str("message", true); err != nil {
		return nil, err
	}
	p.RetryAfter, err = o.duration("retryAfter", false)
	return &p, err
}

func decodeDisconnect(o obj) (*DisconnectParameters, error) {
	var p DisconnectParameters
	s, err := o.str("reason", true)
	if err != nil {
		return nil, err
	}
	p.Reason = DisconnectReason(s)
	if p.Info, err = o.str("info", false); err != nil {
		return nil, err
	}
	_, p.OutputVariables, err = o.object("outputVariables", false)
	return &p, err
}

func decodeEvent(o obj) (*EventParameters, error) {
	a, _, err := o.array("entities", true)
	if err != nil {
		return nil, err
	}
	p := EventParameters{Entities: make([]EventEntity, 0, len(a))}
	for i, raw := range a {
		eo, err := asObject(raw)
		if err != nil {
			return nil, fmt.Errorf("entities[%d]: %w", i, err)
		}
		var e EventEntity
		if e.Type, err = eo.str("type", true); err == nil {
			e.Data, _, err = eo.member("data", true)
		}
		if err != nil {
			return nil, fmt.Errorf("entities[%d].%w", i, err)
		}
		p.Entities = append(p.Entities, e)
	}
	return &p, nil
}
