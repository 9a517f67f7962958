package edgeproc

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	tests := map[string]struct {
		in   string
		want Metrics
		err  bool
	}{
		"plain": {in: "cogito_media_packets_received_total 300\n",
			want: Metrics{{Name: "cogito_media_packets_received_total", Value: 300}}},
		"comments and blanks": {in: "# HELP x Help.\n# TYPE x counter\n\nx 1\n",
			want: Metrics{{Name: "x", Value: 1}}},
		"labels": {in: `cogito_media_packets_dropped_total{reason="inactive"} 30`,
			want: Metrics{{Name: "cogito_media_packets_dropped_total", Labels: map[string]string{"reason": "inactive"}, Value: 30}}},
		"two labels, spaces": {in: `t{ from="pending" , to="active" } 2`,
			want: Metrics{{Name: "t", Labels: map[string]string{"from": "pending", "to": "active"}, Value: 2}}},
		"escapes": {in: `m{path="a\\b",q="say \"hi\"",nl="x\ny"} 1`,
			want: Metrics{{Name: "m", Labels: map[string]string{"path": `a\b`, "q": `say "hi"`, "nl": "x\ny"}, Value: 1}}},
		"trailing comma": {in: `m{a="1",} 1`,
			want: Metrics{{Name: "m", Labels: map[string]string{"a": "1"}, Value: 1}}},
		"empty labels": {in: `m{} 4`, want: Metrics{{Name: "m", Labels: map[string]string{}, Value: 4}}},
		"exponent":     {in: "process_resident_memory_bytes 1.378304e+07", want: Metrics{{Name: "process_resident_memory_bytes", Value: 1.378304e+07}}},
		"+Inf bucket": {in: `h_bucket{le="+Inf"} 7`,
			want: Metrics{{Name: "h_bucket", Labels: map[string]string{"le": "+Inf"}, Value: 7}}},
		"timestamp":           {in: "x 2 1700000000000", want: Metrics{{Name: "x", Value: 2}}},
		"no value":            {in: "x", err: true},
		"bad value":           {in: "x abc", err: true},
		"unterminated label":  {in: `x{a="b} 1`, err: true},
		"unquoted label":      {in: `x{a=b} 1`, err: true},
		"too many fields":     {in: "x 1 2 3", err: true},
		"label without value": {in: `x{a} 1`, err: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseMetrics(strings.NewReader(tt.in))
			if tt.err {
				if !errors.Is(err, ErrMetrics) {
					t.Fatalf("err = %v, want ErrMetrics", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseMetricsSpecialValues(t *testing.T) {
	m, err := ParseMetrics(strings.NewReader("a NaN\nb +Inf\nc -Inf\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(m[0].Value) || !math.IsInf(m[1].Value, 1) || !math.IsInf(m[2].Value, -1) {
		t.Fatalf("got %+v", m)
	}
}

const scrape = `# HELP cogito_media_packets_dropped_total Datagrams dropped.
# TYPE cogito_media_packets_dropped_total counter
cogito_media_packets_dropped_total{reason="bad_rtp"} 0
cogito_media_packets_dropped_total{reason="inactive"} 60
cogito_media_packets_dropped_total{reason="wrong_source"} 2
cogito_gate_sessions{state="active"} 3
cogito_gate_sessions{state="pending"} 1
cogito_gate_transitions_total{from="pending",to="active"} 4
cogito_gate_transitions_total{from="active",to="ended"} 1
cogito_media_packets_received_total 1200
`

func TestMetricsQueries(t *testing.T) {
	m, err := ParseMetrics(strings.NewReader(scrape))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		name  string
		pairs []string
		want  float64
	}{
		"no labels":         {"cogito_media_packets_received_total", nil, 1200},
		"one label":         {"cogito_media_packets_dropped_total", []string{"reason", "inactive"}, 60},
		"sum over labels":   {"cogito_media_packets_dropped_total", nil, 62},
		"two labels":        {"cogito_gate_transitions_total", []string{"from", "pending", "to", "active"}, 4},
		"partial labels":    {"cogito_gate_transitions_total", []string{"to", "ended"}, 1},
		"no such label":     {"cogito_gate_sessions", []string{"state", "held"}, 0},
		"no such metric":    {"nope", nil, 0},
		"label on no-label": {"cogito_media_packets_received_total", []string{"reason", "x"}, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := m.Value(tt.name, tt.pairs...); got != tt.want {
				t.Fatalf("Value = %v, want %v", got, tt.want)
			}
		})
	}
	if by := m.ByLabel("cogito_gate_sessions", "state"); !reflect.DeepEqual(by, map[string]float64{"active": 3, "pending": 1}) {
		t.Errorf("ByLabel = %v", by)
	}
	if !m.Has("cogito_gate_sessions") || m.Has("cogito_gate") {
		t.Error("Has")
	}
}

func TestMetricsDelta(t *testing.T) {
	before, _ := ParseMetrics(strings.NewReader(scrape))
	after, _ := ParseMetrics(strings.NewReader(strings.NewReplacer(
		`{reason="inactive"} 60`, `{reason="inactive"} 90`,
		"received_total 1200", "received_total 1500",
	).Replace(scrape) + "new_total 5\n"))
	want := map[string]float64{
		`cogito_media_packets_dropped_total{reason="inactive"}`: 30,
		"cogito_media_packets_received_total":                   300,
		"new_total":                                             5,
	}
	if got := after.Delta(before); !reflect.DeepEqual(got, want) {
		t.Fatalf("Delta = %v, want %v", got, want)
	}
}

func TestSampleKey(t *testing.T) {
	s := Sample{Name: "m", Labels: map[string]string{"b": `q"`, "a": `x\y`}}
	if got, want := s.Key(), `m{a="x\\y",b="q\""}`; got != want {
		t.Fatalf("Key = %s, want %s", got, want)
	}
	// The key parses back to the same sample.
	m, err := ParseMetrics(strings.NewReader(s.Key() + " 1"))
	if err != nil || !reflect.DeepEqual(m[0].Labels, s.Labels) {
		t.Fatalf("round trip: %v %+v", err, m)
	}
}

func TestMetricsName(t *testing.T) {
	tests := map[string]struct {
		scrape, short, want string
		value               float64
	}{
		"current name":  {"cogito_edge_media_sessions 3\n", "media_sessions", "cogito_edge_media_sessions", 3},
		"older name":    {"cogito_media_sessions 2\n", "media_sessions", "cogito_media_sessions", 2},
		"both: current": {"cogito_media_sessions 2\ncogito_edge_media_sessions 3\n", "media_sessions", "cogito_edge_media_sessions", 3},
		"missing":       {"x 1\n", "media_sessions", "cogito_edge_media_sessions", 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMetrics(strings.NewReader(tt.scrape))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Name(tt.short); got != tt.want {
				t.Fatalf("Name = %s, want %s", got, tt.want)
			}
			if got := m.Edge(tt.short); got != tt.value {
				t.Fatalf("Edge = %v, want %v", got, tt.value)
			}
		})
	}
}
