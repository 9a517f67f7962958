package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// Config is where and how the server listens.
type Config struct {
	// Listen is a loopback IP and port ("127.0.0.1:9090", "[::1]:9090");
	// port 0 picks a free one, see Server.Addr.
	Listen string
	// ShutdownTimeout bounds Close's wait for requests in flight before it
	// cuts connections. Zero means 5s.
	ShutdownTimeout time.Duration
}

// Check is one readiness check, as /readyz reports it.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Deps are what the server serves. Only Registry is required; every
// function is called on the request's goroutine and must be safe for
// concurrent use.
type Deps struct {
	// Registry is served on /metrics; the server also registers its own
	// request counter in it.
	Registry *prometheus.Registry
	// Calls returns the live sessions, already in a stable order (the gate
	// sorts them); it is encoded as JSON as is. Nil serves an empty list.
	Calls func() any
	// Call returns one session by id. Nil answers 404 for every id.
	Call func(id string) (any, bool)
	// CTI delivers an event and returns the delivery result to encode
	// (gate.DeliverResult). Nil disables POST /v1/cti (cti.source without
	// api): it answers 404 with a message that says so. An error wrapping
	// cti.ErrInvalid answers 400, any other 503.
	CTI func(ctx context.Context, ev cti.Event) (any, error)
	// Checks returns the readiness checks. Nil means ready.
	Checks func() []Check
	// Log receives server errors; nil discards them.
	Log *slog.Logger
	// Now stamps CTI events that have no "at"; nil is time.Now.
	Now func() time.Time
}
