package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// In direct mode status shows the Genesys tracker: agents, channels, the
// last event's age, and the genesys check says what is wrong.
func TestStatusGenesys(t *testing.T) {
	const (
		ready = `{"ready":true,"checks":[{"name":"sip","ok":true},
 {"name":"genesys","ok":true,"detail":"following 25 agents on 1 channel (1 connected), 0 calls; last event 3s ago"}]}`
		refused = `{"ready":false,"checks":[{"name":"sip","ok":true},
 {"name":"genesys","ok":false,"detail":"Genesys refused 25 of 25 topics; the OAuth client's role is missing permission analytics:conversationDetail:view (Analytics > Conversation Detail > View)"}]}`
		following = "# TYPE cogito_edge_genesys_users gauge\ncogito_edge_genesys_users 25\n" +
			"# TYPE cogito_edge_genesys_channels gauge\ncogito_edge_genesys_channels 1\n" +
			"# TYPE cogito_edge_genesys_channels_connected gauge\ncogito_edge_genesys_channels_connected 1\n" +
			"# TYPE cogito_edge_genesys_last_event_age_seconds gauge\ncogito_edge_genesys_last_event_age_seconds 3.2\n"
		starting = "# TYPE cogito_edge_genesys_users gauge\ncogito_edge_genesys_users 25\n" +
			"# TYPE cogito_edge_genesys_channels gauge\ncogito_edge_genesys_channels 1\n" +
			"# TYPE cogito_edge_genesys_topics_rejected gauge\ncogito_edge_genesys_topics_rejected 25\n" +
			"# TYPE cogito_edge_genesys_untracked_users gauge\ncogito_edge_genesys_untracked_users 2\n" +
			"# TYPE cogito_edge_genesys_last_event_age_seconds gauge\ncogito_edge_genesys_last_event_age_seconds +Inf\n"
	)
	tests := map[string]struct {
		ready   string
		code    int
		metrics string
		want    []string
		absent  string
	}{
		"following": {ready, exitOK, following, []string{
			"genesys ok following 25 agents on 1 channel",
			"genesys: 25 agents, channels 1/1 connected, last event 3s ago"}, ""},
		"permission missing": {refused, exitNotReady, starting, []string{
			"genesys FAIL Genesys refused 25 of 25 topics; the OAuth client's role is missing permission analytics:conversationDetail:view",
			"genesys: 25 agents, channels 0/1 connected, no event yet, 25 topics REFUSED (see the genesys check), 2 agents NOT followed"}, ""},
		"no tracker": {ready, exitOK, cloudMetrics, nil, "genesys:"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code := 503
			if tt.code == exitOK {
				code = 200
			}
			admin := fakeAdmin(t, code, tt.ready, "[]", tt.metrics)
			got, out, errs := cli(t, t.Context(), "", "status", "--admin", admin)
			if got != tt.code {
				t.Fatalf("exit %d, want %d: %s%s", got, tt.code, out, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(squeeze(out), squeeze(w)) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tt.absent != "" && strings.Contains(out, tt.absent) {
				t.Errorf("stdout has %q:\n%s", tt.absent, out)
			}
		})
	}

	admin := fakeAdmin(t, 200, ready, "[]", following)
	if code, out, errs := cli(t, t.Context(), "", "status", "--admin", admin, "--json"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	} else {
		var rep statusReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if g := rep.Genesys; g == nil || g.Users != 25 || g.ChannelsConnected != 1 || g.LastEventAgeSeconds != 3.2 {
			t.Fatalf("genesys %+v", rep.Genesys)
		}
	}
}
