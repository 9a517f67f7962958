package control

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestNoGoroutineLeak: clients that connected, lost their connection,
// reconnected and stopped leave no goroutine behind. Not parallel: it
// counts the process's goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	cloud := newFakeCloud(t)
	base := runtime.NumGoroutine()
	for range 20 {
		c := startClient(t, cloud.url(), &fakeGate{}, nil)
		cc := cloud.accept(t)
		cc.expect(t, TypeHello)
		cc.ws.Close() // the client reconnects
		cloud.accept(t).expect(t, TypeHello)
		eventually(t, 5*time.Second, "connected", c.Connected)
		c.stop()
	}
	cloud.srv.CloseClientConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			stacks := string(buf[:runtime.Stack(buf, true)])
			var ours []string
			for g := range strings.SplitSeq(stacks, "\n\n") {
				if strings.Contains(g, "cti/control.") && !strings.Contains(g, "_test.go") {
					ours = append(ours, g)
				}
			}
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), base, strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond) // goroutines ending: nothing to await
	}
}
