package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// exitNotReady is status's answer for an appliance that runs but cannot
// take a call now (starting, draining, over capacity, tunnel down).
const exitNotReady = 3

const statusAbout = `
Shows whether a running appliance can take calls, from its admin API:
the readiness checks (GET /readyz: SIP, media ports, tunnel, cloud control
channel, Genesys tracker), the live calls by state (GET /v1/calls), and from
GET /metrics the tunnel's handshake age, the Genesys tracker's agents,
channels and last event, the CTI events by outcome and the uptime.

Exit codes, for scripts and monitoring:
  0  running and ready: the SBC's OPTIONS get 200
  1  no answer from the admin API (not running, or admin.listen differs),
     or an answer that is not the appliance's
  2  usage error
  3  running but not ready: starting, draining, at capacity, or a check
     failing; the SBC's OPTIONS get 503 and it hunts to the next recorder

--json prints one JSON object with the same facts; -q prints nothing.`

// statusReport is what status shows; --json prints it as is.
type statusReport struct {
	Admin         string         `json:"admin"`
	Ready         bool           `json:"ready"`
	Checks        []statusCheck  `json:"checks"`
	Calls         callCounts     `json:"calls"`
	Tunnel        *tunnelStatus  `json:"tunnel,omitempty"`  // nil: no tunnel configured
	Genesys       *genesysStatus `json:"genesys,omitempty"` // nil: no cti.source genesys
	CTI           ctiStatus      `json:"cti"`
	UptimeSeconds float64        `json:"uptime_seconds,omitempty"`
}

// statusCheck is one /readyz check.
type statusCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// callCounts are the live calls by state.
type callCounts struct {
	Total   int            `json:"total"`
	ByState map[string]int `json:"by_state"`
}

// tunnelStatus is the WireGuard tunnel as /metrics shows it.
type tunnelStatus struct {
	Up bool `json:"up"`
	// HandshakeAgeSeconds is -1 before the first handshake.
	HandshakeAgeSeconds float64 `json:"handshake_age_seconds"`
}

// ctiStatus is where CTI events stand: outcomes since start and, with
// cti.source cloud, whether the control channel is connected.
type ctiStatus struct {
	Events map[string]float64 `json:"events"`
	// ControlConnected is nil when there is no control channel.
	ControlConnected *bool `json:"control_connected,omitempty"`
}

// cmdStatus is "cogito-edge status".
func cmdStatus(ctx context.Context, args []string, s streams) int {
	fs := newFlags("status", "[--admin 127.0.0.1:9090] [--json | -q]", statusAbout)
	admin := fs.String("admin", "127.0.0.1:9090", "admin API `address` (admin.listen)")
	raw := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("q", false, "print nothing; the exit code says it all")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := fetchStatus(ctx, *admin, time.Now())
	if err != nil {
		if !*quiet {
			fmt.Fprintf(s.err, "cogito-edge status: %v\n", err)
		}
		return exitFailure
	}
	switch {
	case *quiet:
	case *raw:
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	default:
		printStatus(s.out, rep)
	}
	if !rep.Ready {
		return exitNotReady
	}
	return exitOK
}

// fetchStatus asks the admin API at admin (host:port or a base URL).
func fetchStatus(ctx context.Context, admin string, now time.Time) (*statusReport, error) {
	base := admin
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	base = strings.TrimSuffix(base, "/")
	rep := &statusReport{Admin: admin}

	// /readyz answers 503 with the same body when a check fails.
	body, err := adminGet(ctx, base+"/readyz", http.StatusOK, http.StatusServiceUnavailable)
	if err != nil {
		return nil, fmt.Errorf("%w (is cogito-edge running, and is admin.listen %s?)", err, admin)
	}
	var rz struct {
		Ready  *bool         `json:"ready"`
		Checks []statusCheck `json:"checks"`
	}
	if err := json.Unmarshal(body, &rz); err != nil || rz.Ready == nil {
		return nil, fmt.Errorf("GET /readyz: not the appliance's answer: %.80q", body)
	}
	rep.Ready, rep.Checks = *rz.Ready, rz.Checks

	body, err = adminGet(ctx, base+"/v1/calls", http.StatusOK)
	if err != nil {
		return nil, err
	}
	var calls []struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(body, &calls); err != nil {
		return nil, fmt.Errorf("GET /v1/calls: not the appliance's answer: %v", err)
	}
	rep.Calls = callCounts{Total: len(calls), ByState: map[string]int{}}
	for _, c := range calls {
		rep.Calls.ByState[c.State]++
	}

	body, err = adminGet(ctx, base+"/metrics", http.StatusOK)
	if err != nil {
		return nil, err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("GET /metrics: %w", err)
	}
	rep.fromMetrics(families, now)
	return rep, nil
}

// adminGet GETs url and returns the body when the status is one of ok.
func adminGet(ctx context.Context, url string, ok ...int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	if !slices.Contains(ok, resp.StatusCode) {
		return nil, fmt.Errorf("GET %s: %s", req.URL.Path, resp.Status)
	}
	return body, nil
}

// fromMetrics fills the tunnel, CTI and uptime from the parsed /metrics.
func (r *statusReport) fromMetrics(families map[string]*dto.MetricFamily, now time.Time) {
	gauge := func(name string) (float64, bool) {
		f := families[name]
		if f == nil || len(f.GetMetric()) == 0 || f.GetMetric()[0].GetGauge() == nil {
			return 0, false
		}
		return f.GetMetric()[0].GetGauge().GetValue(), true
	}
	if up, ok := gauge("cogito_edge_tunnel_up"); ok {
		r.Tunnel = &tunnelStatus{Up: up == 1, HandshakeAgeSeconds: -1}
		if age, ok := gauge("cogito_edge_tunnel_handshake_age_seconds"); ok && !math.IsInf(age, 0) {
			r.Tunnel.HandshakeAgeSeconds = age
		}
	}
	r.CTI.Events = map[string]float64{}
	if f := families["cogito_edge_gate_cti_events_total"]; f != nil {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" {
					r.CTI.Events[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	r.Genesys = genesysFromMetrics(gauge)
	if c, ok := gauge("cogito_edge_control_connected"); ok {
		connected := c == 1
		r.CTI.ControlConnected = &connected
	}
	if start, ok := gauge("process_start_time_seconds"); ok && start > 0 {
		r.UptimeSeconds = math.Round(now.Sub(time.Unix(0, int64(start*1e9))).Seconds())
	}
}

// printStatus writes the report for a person.
func printStatus(w io.Writer, r *statusReport) {
	state := "ready"
	if !r.Ready {
		state = "NOT READY"
	}
	head := "cogito-edge: " + state + " (admin " + r.Admin
	if r.UptimeSeconds > 0 {
		head += ", up " + (time.Duration(r.UptimeSeconds) * time.Second).String()
	}
	fmt.Fprintln(w, head+")")
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	for _, c := range r.Checks {
		ok := "ok"
		if !c.OK {
			ok = "FAIL"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Name, ok, c.Detail)
	}
	_ = tw.Flush()
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintln(w, "calls:  "+r.Calls.String())
	fmt.Fprintln(w, "tunnel: "+r.Tunnel.String())
	fmt.Fprintln(w, "cti:    "+r.CTI.String())
	if r.Genesys != nil {
		fmt.Fprintln(w, "genesys: "+r.Genesys.String())
	}
}

// String is "3 (active 2, pending 1)".
func (c callCounts) String() string {
	if c.Total == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", c.Total, joinCounts(c.ByState, []string{"active", "pending", "held", "unmatched"}, func(v int) string { return fmt.Sprint(v) }))
}

// String is "up, handshake 14s ago", or "not configured".
func (t *tunnelStatus) String() string {
	switch {
	case t == nil:
		return "not configured"
	case !t.Up:
		return "down"
	case t.HandshakeAgeSeconds < 0:
		return "up, no handshake yet"
	default:
		return fmt.Sprintf("up, handshake %s ago", time.Duration(t.HandshakeAgeSeconds*float64(time.Second)).Round(time.Second))
	}
}

// String is "control channel connected; events since start: matched 12, cached 3".
func (c ctiStatus) String() string {
	var parts []string
	if c.ControlConnected != nil {
		if *c.ControlConnected {
			parts = append(parts, "control channel connected")
		} else {
			parts = append(parts, "control channel DOWN")
		}
	}
	order := []string{"matched", "cached", "replayed", "ignored", "expired", "evicted", "invalid"}
	events := joinCounts(c.Events, order, func(v float64) string { return fmt.Sprint(v) })
	if events == "" {
		events = "none"
	}
	return strings.Join(append(parts, "events since start: "+events), "; ")
}

// joinCounts renders the non-zero entries of m as "k v, k v": the keys of
// order first, in that order, then any others sorted.
func joinCounts[V int | float64](m map[string]V, order []string, format func(V) string) string {
	keys := slices.Clone(order)
	var extra []string
	for k := range m {
		if !slices.Contains(order, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	var parts []string
	for _, k := range append(keys, extra...) {
		if v := m[k]; v != 0 {
			parts = append(parts, k+" "+format(v))
		}
	}
	return strings.Join(parts, ", ")
}
