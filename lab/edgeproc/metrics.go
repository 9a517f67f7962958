package edgeproc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Sample is one line of the Prometheus text format: name{labels} value.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Metrics is a scrape: the samples in file order.
type Metrics []Sample

// Metrics scrapes and parses GET /metrics.
func (e *Edge) Metrics(ctx context.Context) (Metrics, error) {
	data, err := e.get(ctx, "/metrics")
	if err != nil {
		return nil, fmt.Errorf("edgeproc: metrics: %w", err)
	}
	return ParseMetrics(bytes.NewReader(data))
}

// ParseMetrics parses the Prometheus text exposition format minimally:
// comment and blank lines are skipped, every other line is
// `name[{label="value",...}] value [timestamp]`. Label values may hold the
// escapes \\, \" and \n; values may be NaN, +Inf or -Inf.
func ParseMetrics(r io.Reader) (Metrics, error) {
	var out Metrics
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrMetrics, n, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMetrics, err)
	}
	return out, nil
}

func parseSample(line string) (Sample, error) {
	var s Sample
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return s, fmt.Errorf("%q: want name and value", line)
	}
	s.Name, line = line[:i], line[i:]
	if line[0] == '{' {
		labels, rest, err := parseLabels(line[1:])
		if err != nil {
			return s, fmt.Errorf("%s: %w", s.Name, err)
		}
		s.Labels, line = labels, rest
	}
	f := strings.Fields(line)
	if len(f) < 1 || len(f) > 2 {
		return s, fmt.Errorf("%s: want a value and an optional timestamp, got %q", s.Name, line)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, fmt.Errorf("%s: value %q", s.Name, f[0])
	}
	s.Value = v
	return s, nil
}

// parseLabels parses `a="x",b="y"}` and returns the rest after '}'.
func parseLabels(s string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t")
		if strings.HasPrefix(s, "}") {
			return labels, s[1:], nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, "", fmt.Errorf("label: want name=\"value\" in %q", s)
		}
		name := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t")
		if !strings.HasPrefix(s, `"`) {
			return nil, "", fmt.Errorf("label %s: value not quoted", name)
		}
		var v strings.Builder
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				switch s[i] {
				case 'n':
					v.WriteByte('\n')
				default: // \\ and \"
					v.WriteByte(s[i])
				}
				continue
			}
			v.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, "", fmt.Errorf("label %s: unterminated value", name)
		}
		labels[name] = v.String()
		s = strings.TrimPrefix(strings.TrimLeft(s[i+1:], " \t"), ",")
	}
}

// Value returns the sum of the samples named name whose labels include
// every pair of labelPairs ("reason", "inactive", ...); 0 when none match.
// A histogram's series are separate names (_sum, _count, _bucket).
func (m Metrics) Value(name string, labelPairs ...string) float64 {
	var v float64
	for _, s := range m {
		if s.Name == name && s.matches(labelPairs) {
			v += s.Value
		}
	}
	return v
}

// Has reports whether any sample is named name.
func (m Metrics) Has(name string) bool {
	for _, s := range m {
		if s.Name == name {
			return true
		}
	}
	return false
}

// ByLabel returns the samples named name summed by the value of label.
func (m Metrics) ByLabel(name, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range m {
		if s.Name == name {
			out[s.Labels[label]] += s.Value
		}
	}
	return out
}

// Delta returns the increase of each counter from before to m, by name
// and labels, for counters that changed; gauges are compared the same way.
func (m Metrics) Delta(before Metrics) map[string]float64 {
	prev := make(map[string]float64, len(before))
	for _, s := range before {
		prev[s.Key()] = s.Value
	}
	out := map[string]float64{}
	for _, s := range m {
		if d := s.Value - prev[s.Key()]; d != 0 {
			out[s.Key()] = d
		}
	}
	return out
}

// Key returns the sample's series name: name{a="x",b="y"} with labels
// sorted, as Prometheus prints it.
func (s Sample) Key() string {
	if len(s.Labels) == 0 {
		return s.Name
	}
	names := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(s.Name)
	b.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s.Labels[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func (s Sample) matches(pairs []string) bool {
	for i := 0; i+1 < len(pairs); i += 2 {
		if v, ok := s.Labels[pairs[i]]; !ok || v != pairs[i+1] {
			return false
		}
	}
	return true
}

// Metric name prefixes: the appliance exports cogito_edge_<subsystem>_…;
// builds from before the names were unified exported cogito_<subsystem>_…
// for the media, gate, relay and admin subsystems.
const (
	prefix    = "cogito_edge_"
	oldPrefix = "cogito_"
)

// Name returns the full name of the appliance metric short (such as
// "media_packets_received_total") as this scrape spells it.
func (m Metrics) Name(short string) string {
	if !m.Has(prefix+short) && m.Has(oldPrefix+short) {
		return oldPrefix + short
	}
	return prefix + short
}

// Edge returns Value of the appliance metric short (see Name).
func (m Metrics) Edge(short string, labelPairs ...string) float64 {
	return m.Value(m.Name(short), labelPairs...)
}
