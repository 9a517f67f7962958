package edgeproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Call is one live session as GET /v1/calls shows it: the part the lab
// reads. Fields the API adds are ignored, so the lab does not break when
// the snapshot grows.
type Call struct {
	ID          string    `json:"id"`
	State       string    `json:"state"` // pending, active, held, unmatched, ended
	Keys        []string  `json:"keys"`  // "ucid:…", "conversation:…", "call-id:…"
	Direction   string    `json:"direction,omitempty"`
	AgentID     string    `json:"agent_id,omitempty"`
	OfferedAt   time.Time `json:"offered_at"`
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	Streams     []Stream  `json:"streams"`
	Frames      uint64    `json:"frames"`
	Gaps        int       `json:"gaps"`
}

// Stream is one RTP stream's counters in a Call.
type Stream struct {
	Label    string            `json:"label"`
	Port     int               `json:"port"`
	Channel  string            `json:"channel"` // external or internal
	Codec    string            `json:"codec,omitempty"`
	SRTP     bool              `json:"srtp"`
	Packets  uint64            `json:"packets"`
	Expected uint64            `json:"expected"`
	Received uint64            `json:"received"`
	Lost     uint64            `json:"lost"`
	Late     uint64            `json:"late"`
	Dropped  map[string]uint64 `json:"dropped,omitempty"`
}

// HasKey reports whether the call carries key, in its "kind:value" form.
func (c Call) HasKey(key string) bool { return slices.Contains(c.Keys, key) }

// Dropped returns the call's dropped datagrams for reason, over all streams.
func (c Call) Dropped(reason string) uint64 {
	var n uint64
	for _, s := range c.Streams {
		n += s.Dropped[reason]
	}
	return n
}

// CTIResult is the admin API's answer to a CTI event.
type CTIResult struct {
	// Outcome is matched, cached (no session yet: the early-event
	// cache keeps it), ignored, ...
	Outcome string `json:"outcome"`
	// Applied lists the session ids the event was applied to.
	Applied []string `json:"applied,omitempty"`
}

// CTI posts e to /v1/cti and returns the appliance's answer; any status
// other than 2xx is an error.
func (e *Edge) CTI(ctx context.Context, ev cti.Event) (CTIResult, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return CTIResult{}, fmt.Errorf("edgeproc: CTI: %w", err)
	}
	var res CTIResult
	if err := e.do(ctx, http.MethodPost, "/v1/cti", body, &res); err != nil {
		return CTIResult{}, fmt.Errorf("edgeproc: CTI: %w", err)
	}
	return res, nil
}

// Calls returns the live sessions from GET /v1/calls.
func (e *Edge) Calls(ctx context.Context) ([]Call, error) {
	var calls []Call
	if err := e.do(ctx, http.MethodGet, "/v1/calls", nil, &calls); err != nil {
		return nil, fmt.Errorf("edgeproc: calls: %w", err)
	}
	return calls, nil
}

// WaitCall polls GET /v1/calls until a call satisfies match and returns
// it. It fails when ctx ends or the appliance exits.
func (e *Edge) WaitCall(ctx context.Context, match func(Call) bool) (Call, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		calls, err := e.Calls(ctx)
		if err == nil {
			for _, c := range calls {
				if match(c) {
					return c, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
			return Call{}, fmt.Errorf("edgeproc: wait for call: %w", err)
		case <-e.exited:
			return Call{}, fmt.Errorf("edgeproc: wait for call: %w", e.Err())
		case <-tick.C:
		}
	}
}

// HasKey returns a WaitCall predicate: the call carries key and, when
// state is not empty, is in that state.
func HasKey(key, state string) func(Call) bool {
	return func(c Call) bool { return c.HasKey(key) && (state == "" || c.State == state) }
}

// ready asks /readyz once; detail is the body or error when not ready.
func (e *Edge) ready(ctx context.Context) (bool, string) {
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, e.base+"/readyz", nil)
	if err != nil {
		return false, err.Error()
	}
	res, err := e.httpc.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return res.StatusCode == http.StatusOK, fmt.Sprintf("%s: %s", res.Status, bytes.TrimSpace(b))
}

// Ready reports whether /readyz answers 200 now.
func (e *Edge) Ready(ctx context.Context) bool {
	ok, _ := e.ready(ctx)
	return ok
}

// do sends a request to the admin API and decodes a JSON answer into out.
func (e *Edge) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.httpc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%w: %s %s: %s: %s", ErrAPI, method, path, res.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s %s: %w", ErrAPI, method, path, err)
	}
	return nil
}

// get fetches path as text.
func (e *Edge) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := e.httpc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: %s", ErrAPI, path, res.Status)
	}
	return data, nil
}
