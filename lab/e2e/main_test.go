package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/lab/cloudsim"
)

// cloudServeEnv makes the test binary, re-executed inside a network
// namespace by the WireGuard interop test, the cloud's control-channel
// server instead of running tests: it must listen on an interface of that
// namespace, and this binary is sure to be there.
const cloudServeEnv = "COGITO_E2E_CLOUD_SERVE"

func TestMain(m *testing.M) {
	if spec := os.Getenv(cloudServeEnv); spec != "" {
		os.Exit(serveCloud(spec))
	}
	os.Exit(m.Run())
}

// serveCloud serves the control channel on control (its path /v1/edge)
// and the simulator's HTTP API on api, spec being "control=IP:port
// api=IP:port ping=D". It says "ready" on stdout and serves until stdin
// closes.
func serveCloud(spec string) int {
	opts := map[string]string{}
	for f := range strings.FieldsSeq(spec) {
		k, v, _ := strings.Cut(f, "=")
		opts[k] = v
	}
	ping, err := time.ParseDuration(opts["ping"])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ping:", err)
		return 1
	}
	ctrl := cloudsim.NewControl(cloudsim.ControlConfig{PingInterval: ping}, nil)
	mux := http.NewServeMux()
	mux.Handle("/v1/edge", ctrl)
	var servers []*http.Server
	for addr, h := range map[string]http.Handler{opts["control"]: mux, opts["api"]: ctrl.Handler()} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				fmt.Fprintln(os.Stderr, err)
			}
		}()
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = ctrl.Close()
	for _, srv := range servers {
		_ = srv.Close()
	}
	return 0
}
