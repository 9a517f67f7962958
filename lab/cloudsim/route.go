package cloudsim

import (
	"context"
	"fmt"

	"github.com/cogito/cogito-edge/appliance/cti"
	"github.com/cogito/cogito-edge/appliance/cti/control"
)

// Route says how an event chose its appliances.
type Route string

// Routes.
const (
	// RouteKeys: to the appliances that announced a session sharing a key.
	RouteKeys Route = "keys"
	// RouteBroadcast: no session shares a key (the INVITE may not have
	// come yet), so to every connected appliance.
	RouteBroadcast Route = "broadcast"
)

// Outcomes a Result may have besides the appliance's own (control.Outcome).
const (
	// OutcomeTimeout: no ack within ControlConfig.AckTimeout.
	OutcomeTimeout control.Outcome = "timeout"
	// OutcomeLost: the connection ended before the ack (or the send failed).
	OutcomeLost control.Outcome = "lost"
)

// Delivery is what became of an injected event.
type Delivery struct {
	// ID is the event's id on the control channel.
	ID      string   `json:"id"`
	Route   Route    `json:"route"`
	Results []Result `json:"results"`
}

// Result is one appliance's answer.
type Result struct {
	ApplianceID string          `json:"appliance_id"`
	Outcome     control.Outcome `json:"outcome"`
	Applied     []string        `json:"applied,omitempty"`
	Ignored     []string        `json:"ignored,omitempty"`
	Error       string          `json:"error,omitempty"`
}

// Deliver routes ev (DESIGN §12) and waits for each appliance's ack. It
// fails only for an invalid event (wrapping cti.ErrInvalid) or when no
// appliance is connected (ErrNoAppliance); an appliance that does not
// answer has a Result saying so.
func (c *Control) Deliver(ctx context.Context, ev cti.Event) (Delivery, error) {
	if err := ev.Validate(); err != nil {
		return Delivery{}, err
	}
	keys := ev.Keys()
	targets, route := c.targets(func(e *edgeConn) bool { return e.holds(keys) })
	if len(targets) == 0 {
		return Delivery{}, ErrNoAppliance
	}
	d := Delivery{ID: c.nextID(), Route: route, Results: make([]Result, len(targets))}
	msg := control.Message{Type: control.TypeCTI, ID: d.ID, CTI: &ev}
	acks := make([]chan control.Ack, len(targets))
	for i, e := range targets {
		d.Results[i].ApplianceID = e.id
		acks[i] = e.expectAck(d.ID)
		if err := e.write(msg); err != nil {
			e.forgetAck(d.ID)
			acks[i] = nil
			d.Results[i].Outcome, d.Results[i].Error = OutcomeLost, fmt.Sprintf("send: %v", err)
		}
	}
	wctx, cancel := c.waitCtx(ctx)
	defer cancel()
	for i, e := range targets {
		if acks[i] == nil {
			continue
		}
		r := &d.Results[i]
		select {
		case a := <-acks[i]:
			r.Outcome, r.Applied, r.Ignored, r.Error = a.Outcome, a.Applied, a.Ignored, a.Error
		case <-e.done:
			r.Outcome = OutcomeLost
		case <-wctx.Done():
			r.Outcome = OutcomeTimeout
		}
		if r.Outcome == OutcomeLost || r.Outcome == OutcomeTimeout {
			e.forgetAck(d.ID)
		}
	}
	c.log.Info("control: cti event routed", "id", d.ID, "type", ev.Type, "route", d.Route, "results", d.Results)
	return d, nil
}
