package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

const callsAbout = `
Lists the live calls of a running appliance from its admin API
(GET /v1/calls): id, state, direction, age, match keys, and per-stream
packet and loss counters when the appliance reports them. --json prints the
API's JSON as is, for scripts.

Exit codes:
  0  the list was printed (it may be empty)
  1  no answer from the admin API (not running, or admin.listen differs),
     or an error answer
  2  usage error`

// callView is the part of a gate session snapshot the table shows. Fields
// the API adds are ignored, fields it lacks show as "-", so the CLI does not
// break when the snapshot grows.
type callView struct {
	ID        string       `json:"id"`
	State     string       `json:"state"`
	Direction string       `json:"direction"`
	Keys      []string     `json:"keys"`
	OfferedAt time.Time    `json:"offered_at"`
	Streams   []streamView `json:"streams"`
}

// streamView is one RTP stream's counters.
type streamView struct {
	Packets uint64 `json:"packets"`
	Lost    uint64 `json:"lost"`
}

// cmdCalls is "cogito-edge calls".
func cmdCalls(ctx context.Context, args []string, s streams) int {
	fs := newFlags("calls", "[--admin 127.0.0.1:9090] [--json]", callsAbout)
	admin := fs.String("admin", "127.0.0.1:9090", "admin API `address` (admin.listen)")
	raw := fs.Bool("json", false, "print the JSON from the API")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	body, err := fetchCalls(ctx, *admin, *timeout)
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge calls: %v\n", err)
		return exitFailure
	}
	if *raw {
		_, _ = s.out.Write(body)
		return exitOK
	}
	var calls []callView
	if err := json.Unmarshal(body, &calls); err != nil {
		fmt.Fprintf(s.err, "cogito-edge calls: unexpected answer from the admin API: %v\n", err)
		return exitFailure
	}
	printCalls(s.out, calls, time.Now())
	return exitOK
}

// fetchCalls GETs /v1/calls from admin (host:port, or a base URL).
func fetchCalls(ctx context.Context, admin string, timeout time.Duration) ([]byte, error) {
	base := admin
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/v1/calls", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w (is cogito-edge running, and is admin.listen %s?)", err, admin)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s: %s", resp.Status, e.Error)
		}
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return body, nil
}

// printCalls writes the table.
func printCalls(w io.Writer, calls []callView, now time.Time) {
	if len(calls) == 0 {
		fmt.Fprintln(w, "no live calls")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tDIRECTION\tAGE\tPACKETS\tLOSS\tKEYS")
	for _, c := range calls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			c.ID, dash(c.State), dash(c.Direction), age(c.OfferedAt, now),
			packets(c.Streams), loss(c.Streams), keys(c.Keys))
	}
	_ = tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func age(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return now.Sub(t).Truncate(time.Second).String()
}

// packets is the total over streams, "-" when the API reports none.
func packets(ss []streamView) string {
	if len(ss) == 0 {
		return "-"
	}
	var n uint64
	for _, s := range ss {
		n += s.Packets
	}
	return strconv.FormatUint(n, 10)
}

// loss is lost / (received + lost) over all streams, as a percentage.
func loss(ss []streamView) string {
	if len(ss) == 0 {
		return "-"
	}
	var got, lost uint64
	for _, s := range ss {
		got += s.Packets
		lost += s.Lost
	}
	if got+lost == 0 {
		return "0%"
	}
	return strconv.FormatFloat(100*float64(lost)/float64(got+lost), 'f', 1, 64) + "%"
}

// keys shows the first two keys and how many more; the full set is in --json.
func keys(ks []string) string {
	switch {
	case len(ks) == 0:
		return "-"
	case len(ks) <= 2:
		return strings.Join(ks, " ")
	default:
		return strings.Join(ks[:2], " ") + " +" + strconv.Itoa(len(ks)-2)
	}
}
