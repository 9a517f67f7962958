package admin

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the server's own collectors.
type metrics struct {
	requests *prometheus.CounterVec
}

// newMetrics registers the collectors with reg. A second server on the same
// registry (tests, a restart of the API within one process) shares them
// instead of failing.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cogito_edge_admin_requests_total",
		Help: "Admin API requests by route pattern and HTTP status code.",
	}, []string{"route", "code"})
	if err := reg.Register(requests); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, err
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return nil, err
		}
		requests = existing
	}
	return &metrics{requests: requests}, nil
}
