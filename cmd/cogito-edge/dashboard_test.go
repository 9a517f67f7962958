package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance"
	"github.com/cogito/cogito-edge/tunnel"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// dashboardPath is the Grafana dashboard the package ships as
// /usr/share/cogito-edge/grafana-dashboard.json.
const dashboardPath = "../../packaging/grafana-dashboard.json"

// The figures the issue asks the dashboard to show: each must be queried.
var dashboardMust = []string{
	"cogito_edge_gate_sessions",                          // calls by state
	"cogito_edge_gate_activation_latency_seconds_bucket", // activation latency
	"cogito_edge_media_packets_dropped_total",            // packet loss and drops
	"cogito_edge_media_concealed_samples_total",
	"cogito_edge_tunnel_handshake_age_seconds", // tunnel handshake age
	"cogito_edge_relay_cloud_buffer_seconds",   // relay buffer fill
	"cogito_edge_sip_requests_total",
	"cogito_edge_gate_cti_events_total",
	"cogito_edge_control_connected",
}

// promFuncs are the PromQL functions and aggregations, and Grafana's
// label_values, that the dashboard may call; anything else called is a typo.
var promFuncs = []string{
	"abs", "avg", "avg_over_time", "bottomk", "clamp_max", "clamp_min", "count", "delta", "deriv",
	"histogram_quantile", "increase", "irate", "label_values", "max", "max_over_time", "min",
	"min_over_time", "rate", "scalar", "sum", "time", "topk", "vector",
}

// promWords are PromQL keywords and number words that are not metric names.
var promWords = []string{"and", "or", "unless", "bool", "offset", "Inf", "NaN", "inf", "nan"}

var (
	reString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	reMatchers = regexp.MustCompile(`\{[^{}]*\}`)
	reRange    = regexp.MustCompile(`\[[^\]]*\]`)
	reGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	reVariable = regexp.MustCompile(`\$\{[^}]*\}|\$\w+`)
	reToken    = regexp.MustCompile(`[0-9][0-9.]*(?:[eE][+-]?[0-9]+)?|[a-zA-Z_:][a-zA-Z0-9_:]*`)
)

// promMetrics returns the metric names expr selects, and the names it
// calls that are not known functions.
func promMetrics(expr string) (metrics, unknown []string) {
	s := reString.ReplaceAllString(expr, `""`)
	s = reVariable.ReplaceAllString(s, " ")
	s = reMatchers.ReplaceAllString(s, " ")
	s = reRange.ReplaceAllString(s, " ")
	s = reGrouping.ReplaceAllString(s, " ")
	for _, loc := range reToken.FindAllStringIndex(s, -1) {
		tok := s[loc[0]:loc[1]]
		if tok[0] >= '0' && tok[0] <= '9' || slices.Contains(promWords, tok) {
			continue
		}
		if strings.HasPrefix(strings.TrimLeft(s[loc[1]:], " \t\n"), "(") {
			if !slices.Contains(promFuncs, tok) {
				unknown = append(unknown, tok)
			}
			continue
		}
		metrics = append(metrics, tok)
	}
	return metrics, unknown
}

func TestPromMetrics(t *testing.T) {
	tests := map[string]struct {
		expr             string
		metrics, unknown []string
	}{
		"selector": {`cogito_edge_tunnel_up{instance=~"$instance"}`, []string{"cogito_edge_tunnel_up"}, nil},
		"quantile": {
			`histogram_quantile(0.99, sum by (le) (rate(x_bucket{a="b", c!~"{d}"}[$__rate_interval])))`,
			[]string{"x_bucket"}, nil,
		},
		"binary":      {`sum(rate(a_total[5m])) / (320 * sum(rate(b_total[5m])))`, []string{"a_total", "b_total"}, nil},
		"filter":      {`max(age < +Inf) or vector(0)`, []string{"age"}, nil},
		"time":        {`time() - process_start_time_seconds`, []string{"process_start_time_seconds"}, nil},
		"typo":        {`summ(rate(a[1m]))`, []string{"a"}, []string{"summ"}},
		"label_value": {`label_values(cogito_edge_media_ports_free, instance)`, []string{"cogito_edge_media_ports_free", "instance"}, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m, u := promMetrics(tt.expr)
			if !slices.Equal(m, tt.metrics) || !slices.Equal(u, tt.unknown) {
				t.Fatalf("metrics %q unknown %q, want %q %q", m, u, tt.metrics, tt.unknown)
			}
		})
	}
}

// dashboardQueries returns every PromQL query in the dashboard: the panels'
// targets (rows nest panels) and the template variables' queries, whose
// label_values(metric, label) counts only the metric.
func dashboardQueries(t *testing.T, dash map[string]any) []string {
	t.Helper()
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["expr"].(string); ok {
				out = append(out, e)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(dash["panels"])
	labelValues := regexp.MustCompile(`^\s*label_values\(\s*([^,]+?)\s*(?:,[^)]*)?\)\s*$`)
	tmpl, _ := dash["templating"].(map[string]any)
	vars, _ := tmpl["list"].([]any)
	for _, v := range vars {
		v, _ := v.(map[string]any)
		if v["type"] != "query" {
			continue
		}
		q, _ := v["query"].(string)
		if m, ok := v["query"].(map[string]any); ok {
			q, _ = m["query"].(string)
		}
		if m := labelValues.FindStringSubmatch(q); m != nil {
			q = m[1]
		}
		if q == "" {
			t.Errorf("template variable %v: no query", v["name"])
			continue
		}
		out = append(out, q)
	}
	return out
}

// readDashboard parses the dashboard and checks the frame Grafana imports.
func readDashboard(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	if v, _ := dash["schemaVersion"].(float64); v < 36 {
		t.Errorf("schemaVersion %v, want 36 or later", dash["schemaVersion"])
	}
	if !strings.Contains(string(b), `"name": "DS_PROMETHEUS"`) {
		t.Errorf("no DS_PROMETHEUS datasource input")
	}
	ids := map[float64]bool{}
	panels, _ := dash["panels"].([]any)
	if len(panels) == 0 {
		t.Fatal("no panels")
	}
	for _, p := range panels {
		p, _ := p.(map[string]any)
		id, _ := p["id"].(float64)
		if ids[id] {
			t.Errorf("panel %q: id %v used twice", p["title"], id)
		}
		ids[id] = true
		if p["type"] == "row" {
			continue
		}
		ds, _ := p["datasource"].(map[string]any)
		if ds["uid"] != "${DS_PROMETHEUS}" {
			t.Errorf("panel %q: datasource %v, want the ${DS_PROMETHEUS} input", p["title"], p["datasource"])
		}
	}
	return dash
}

// startFullAppliance runs an appliance from a config file with every part
// that registers metrics: SIP and media on loopback, CTI from the cloud and
// the admin API, the tunnel, the control channel and the relay (sink both),
// the Genesys tracker (direct mode, its base URL a UDP port: it never
// logs in) and the AudioHook server. The tunnel's peer never answers; that is enough
// to register everything.
func startFullAppliance(t *testing.T) *appliance.Appliance {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := tunnel.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	secret := base64.StdEncoding.EncodeToString([]byte("dashboard-test-secret-0123456789"))
	yaml := fmt.Sprintf(`appliance_id: dashboard-test
sip:
  listen: ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]
media: {address: 127.0.0.1, ports: "24100-24199"}
cti:
  source: "cloud,api,genesys"
  genesys: {base_url: %q, client_id: dashboard-test, client_secret_file: %s}
cloud:
  tunnel:
    private_key_file: %s
    address: 10.99.0.2/32
    peer: {public_key: %q, endpoint: %q}
  control_url: ws://10.99.0.1:7000/v1/edge
  relay: {url: ws://10.99.0.1:7001/audiohook, api_key: K1, client_secret_file: %s}
sink: both
recording: {dir: %s}
audiohook:
  listen: 127.0.0.1:0
  credentials_file: %s
admin: {listen: 127.0.0.1:0}
drain_timeout: 1s
`, "http://"+pc.LocalAddr().String(), write("genesys.secret", "dashboard-test-secret\n"), write("wg.key", key.String()+"\n"), tunnel.PublicKey(peer).String(), pc.LocalAddr().String(),
		write("relay.secret", secret+"\n"), filepath.Join(dir, "recordings"),
		write("audiohook.yaml", "- api_key: K2\n  client_secret: "+secret+"\n"))
	cfg, err := loadChecked(write("edge.yaml", yaml))
	if err != nil {
		t.Fatal(err)
	}
	app, err := appliance.New(cfg, appliance.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("appliance did not stop")
		}
	})
	select {
	case <-app.Started():
	case err := <-done:
		t.Fatal(err)
	}
	return app
}

// scrapedNames GETs /metrics from the admin API and returns the sample
// names it shows: a histogram h as h_bucket, h_sum and h_count.
func scrapedNames(t *testing.T, admin string) map[string]bool {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s %v", resp.Status, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for name, f := range families {
		names[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY {
			names[name+"_sum"], names[name+"_count"] = true, true
			if f.GetType() == dto.MetricType_HISTOGRAM {
				names[name+"_bucket"] = true
			}
		}
	}
	return names
}

// registered reports whether reg holds a metric named name. A vector with
// no labelled child yet is absent from /metrics, but the registry knows its
// name and refuses another metric under it (with another help text).
func registered(reg *prometheus.Registry, name string) bool {
	if !model.LegacyValidation.IsValidMetricName(name) {
		return false
	}
	probe := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "dashboard test probe " + name})
	if err := reg.Register(probe); err != nil {
		return true
	}
	reg.Unregister(probe)
	return false
}

// Every metric the dashboard queries is one the appliance registers, so a
// renamed metric fails here before it blanks a customer's panel.
func TestDashboardMetricsExist(t *testing.T) {
	dash := readDashboard(t)
	queries := dashboardQueries(t, dash)
	used := map[string]bool{}
	for _, q := range queries {
		metrics, unknown := promMetrics(q)
		for _, f := range unknown {
			t.Errorf("query %q calls %s(), not a PromQL function", q, f)
		}
		for _, m := range metrics {
			used[m] = true
		}
	}
	for _, m := range dashboardMust {
		if !used[m] {
			t.Errorf("the dashboard does not show %s", m)
		}
	}

	app := startFullAppliance(t)
	scraped := scrapedNames(t, app.AdminAddr())
	exists := func(name string) bool {
		if scraped[name] || registered(app.Registry(), name) {
			return true
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && registered(app.Registry(), base) {
				return true
			}
		}
		return false
	}
	// The check itself: an empty vector is found, a renamed metric is not.
	for name, want := range map[string]bool{
		"cogito_edge_gate_leg_errors_total":                  true, // a vector nothing has used yet
		"cogito_edge_gate_sessions":                          true,
		"cogito_edge_tunnel_handshake_age_seconds":           true,
		"cogito_edge_gate_activation_latency_seconds_bucket": true,
		"cogito_edge_gate_call_sessions":                     false,
		"cogito_edge_tunnel_handshake_age":                   false,
	} {
		if got := exists(name); got != want {
			t.Fatalf("exists(%s) = %v, want %v", name, got, want)
		}
	}

	names := make([]string, 0, len(used))
	for m := range used {
		names = append(names, m)
	}
	slices.Sort(names)
	for _, m := range names {
		if !exists(m) {
			t.Errorf("the dashboard queries %s, which the appliance does not register", m)
		}
	}
	if !t.Failed() {
		t.Logf("%d queries, %d metrics, all registered", len(queries), len(names))
	}
}
