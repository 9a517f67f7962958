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

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/lab/ahlab"
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
	code := m.Run()
	directBuilt.Remove()
	os.Exit(code)
}

// serveCloud serves the control channel on control (its path /v1/edge)
// and the simulator's HTTP API on api, spec being "control=IP:port
// api=IP:port ping=D"; with "ingest=IP:port dir=D key=K secret=B64" also
// the AudioHook ingest (path /audiohook) writing to D, its status on the
// API at /audiohook/status. It says "ready" on stdout and serves until
// stdin closes.
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
	handlers := map[string]http.Handler{opts["control"]: mux, opts["api"]: ctrl.Handler()}
	if addr := opts["ingest"]; addr != "" {
		secret, err := audiohook.DecodeSecret(opts["secret"])
		if err != nil {
			fmt.Fprintln(os.Stderr, "secret:", err)
			return 1
		}
		in, err := ahlab.NewIngest(ahlab.IngestConfig{Dir: opts["dir"], Credentials: audiohook.StaticCredentials{opts["key"]: secret}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer in.Close()
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := in.ServeListener(l); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		api := http.NewServeMux()
		api.Handle("/", ctrl.Handler())
		api.Handle("/audiohook/status", in)
		handlers[opts["api"]] = api
	}
	var servers []*http.Server
	for addr, h := range handlers {
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
