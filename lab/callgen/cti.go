package callgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// CTIEvent returns the start event that matches this call, as the cloud
// (or a test) would send it to the appliance's admin API: inbound calls carry
// the UCID and the ASAI UUI Genesys reports, outbound calls the conversation
// id. Set Type to send hold, resume or end instead.
func (c *Call) CTIEvent() cti.Event {
	e := cti.Event{
		Type:      cti.Start,
		AgentID:   fmt.Sprintf("agent-%d", c.n),
		Direction: cti.Direction(c.dir),
		At:        time.Now().UTC(),
	}
	if c.dir == Inbound {
		e.UCID, e.UUI = c.keys.UCID, c.keys.UUI
	} else {
		e.ConversationID = c.keys.ConversationID
	}
	return e
}

// PostCTI posts e as JSON to an admin API URL such as
// http://127.0.0.1:9090/v1/cti and expects a 2xx (the appliance answers 202).
func PostCTI(ctx context.Context, client *http.Client, url string, e cti.Event) error {
	if client == nil {
		client = http.DefaultClient
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCTI, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCTI, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCTI, err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%w: %s: %s", ErrCTI, res.Status, bytes.TrimSpace(msg))
	}
	return nil
}
