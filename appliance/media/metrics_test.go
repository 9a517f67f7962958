package media

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue reads a counter or gauge.
func metricValue(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func TestMetricsRegisterAndCount(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	e, err := NewEngine(EngineConfig{Address: loopback, Ports: testPortRange(4)}, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	now := time.Now()
	e.now = func() time.Time { return now }
	s := e.NewSession("m", nil)
	st, err := s.AddStream(StreamParams{Peer: peerA, Payloads: pcmu()})
	if err != nil {
		t.Fatal(err)
	}
	st.handlePacket(rtpPacket(t, 1, 1, 1, 0, make([]byte, 160)), peerA, now) // inactive
	if err := s.Activate(); err != nil {
		t.Fatal(err)
	}
	st.handlePacket(rtpPacket(t, 2, 161, 1, 0, make([]byte, 160)), peerA, now)
	st.handlePacket(rtpPacket(t, 3, 321, 1, 0, make([]byte, 160)), peerB, now) // wrong source
	s.tick(now.Add(100 * time.Millisecond))

	for name, want := range map[string]float64{
		"cogito_edge_media_packets_received_total": 1,
		"cogito_edge_media_bytes_received_total":   172,
		"cogito_edge_media_streams_active":         1,
		"cogito_edge_media_streams":                1,
		"cogito_edge_media_sessions":               1,
		"cogito_edge_media_ports_used":             1,
		"cogito_edge_media_ports_free":             3,
	} {
		if got := gatherValue(t, reg, name, ""); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	for reason, want := range map[string]float64{"inactive": 1, "wrong_source": 1, "bad_rtp": 0} {
		if got := gatherValue(t, reg, "cogito_edge_media_packets_dropped_total", reason); got != want {
			t.Errorf("dropped{reason=%q} = %v, want %v", reason, got, want)
		}
	}
	if metricValue(m.frames) < 4 {
		t.Errorf("frames_total = %v", metricValue(m.frames))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gatherValue(t, reg, "cogito_edge_media_streams_active", ""); got != 0 {
		t.Errorf("streams_active after Close = %v", got)
	}
}

// gatherValue returns the value of a metric (with reason label, if given).
func gatherValue(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if reason != "" && !hasLabel(m.GetLabel(), reason) {
				continue
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s{%s} not found", name, reason)
	return 0
}

func hasLabel[L interface{ GetValue() string }](labels []L, v string) bool {
	for _, l := range labels {
		if strings.EqualFold(l.GetValue(), v) {
			return true
		}
	}
	return false
}
