package callgen_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cogito/cogito-edge/lab/callgen"
)

// An end-to-end test of the appliance: one inbound call whose CTI start is
// posted once the appliance holds the session inactive, then the recording
// is checked with tone.Analyze (channel 0 = 440 Hz customer, channel 1 =
// 1000 Hz agent).
func ExampleGenerator_Place() {
	ctx := context.Background()
	g, err := callgen.New(callgen.Config{
		Target:    "127.0.0.1:5060",
		Transport: "tcp",
		Direction: callgen.Inbound,
		Duration:  10 * time.Second,
		OnAnswered: func(ctx context.Context, c *callgen.Call) error {
			// The session is pending: match it as the cloud would.
			return callgen.PostCTI(ctx, nil, "http://127.0.0.1:9090/v1/cti", c.CTIEvent())
		},
	})
	if err != nil {
		panic(err)
	}
	if err := g.Start(ctx); err != nil {
		panic(err)
	}
	defer g.Close()
	c, err := g.Place(ctx)
	if err != nil {
		panic(err)
	}
	r := c.Report()
	fmt.Println(r.Keys.UCID, r.AnswerPorts, r.Legs[0].Role, r.Legs[0].Tone, r.Legs[0].Packets)
}

// A load run: 2,000 concurrent calls ramped at 100 calls/s, each posting its
// own CTI start.
func ExampleRun() {
	rep, err := callgen.Run(context.Background(), callgen.Config{
		Target:      "127.0.0.1:5060",
		Calls:       2000,
		Concurrency: 2000,
		Rate:        100,
		Duration:    60 * time.Second,
		CTIURL:      "http://127.0.0.1:9090/v1/cti",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Completed, rep.Packets, rep.Late, rep.Skipped, rep.LateTicks)
}
