package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/lab/callgen"
)

// TestReload applies a new sip.allow on the live appliance (what SIGHUP
// does): loopback SBCs are refused with 403 once the list no longer holds
// them, and accepted again after the next reload.
func TestReload(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	e := startEdge(t, nil)
	call := func() (callgen.Report, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return callgen.Run(ctx, callgen.Config{Target: e.sip("tcp"), Duration: 500 * time.Millisecond, CTIURL: e.admin + "/v1/cti"})
	}
	reload := func(allow ...string) {
		t.Helper()
		next := *e.cfg
		next.SIP.Allow = allow
		live := config.ApplyLive(e.cfg, &next)
		if err := e.app.Reload(live); err != nil {
			t.Fatalf("Reload: %v", err)
		}
	}

	reload("10.0.0.0/8")
	rep, _ := call()
	refused := false
	for msg := range rep.Errors {
		refused = refused || strings.Contains(msg, "403")
	}
	if rep.Completed != 0 || !refused {
		t.Fatalf("with sip.allow 10.0.0.0/8 a loopback SBC must get 403: %+v", rep.Errors)
	}

	reload("127.0.0.0/8")
	if rep, err := call(); err != nil || rep.Completed != 1 {
		t.Fatalf("after allowing loopback again: %v %v", err, rep.Errors)
	}
}
