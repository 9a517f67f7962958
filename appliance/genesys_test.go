package appliance

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/config"
	"github.com/cogito/cogito-edge/appliance/cti/genesys"
	"github.com/cogito/cogito-edge/lab/genesyssim"
)

const (
	simClientID = "cogito-direct"
	simSecret   = "s3cret"
	// rotatedSecret is what the lab's login front (directSim) also takes,
	// as Genesys does for a client whose secret was rotated.
	rotatedSecret = "r0tated"
	missingPerm   = "analytics:conversationDetail:view"
)

var checkNow = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func TestGenesysCheck(t *testing.T) {
	up := genesys.ChannelStatus{ID: "ch-1", Topics: 25, Connected: true}
	tests := map[string]struct {
		st       genesys.Status
		ready    error
		ok       bool
		serving  bool
		contains []string
	}{
		"following": {
			st: genesys.Status{Users: 25, UsersLoaded: true, Channels: []genesys.ChannelStatus{up}, Conversations: 2,
				LastEvent: checkNow.Add(-3 * time.Second)},
			ok: true, serving: true,
			contains: []string{"following 25 agents on 1 channel (1 connected), 2 calls; last event 3s ago"},
		},
		"no event yet, an old error": {
			st: genesys.Status{Users: 25, UsersLoaded: true, Channels: []genesys.ChannelStatus{up}, LastError: "socket lost"},
			ok: true, serving: true, contains: []string{"no event yet", "; last error: socket lost"},
		},
		"no agents": {
			st: genesys.Status{UsersLoaded: true}, ok: true, serving: true,
			contains: []string{"following 0 agents on 0 channels"},
		},
		"users not loaded": {
			st:       genesys.Status{LastError: "genesys: OAuth token: the login service refused the client credentials"},
			ready:    fmt.Errorf("%w: users not loaded yet: genesys: OAuth token: the login service refused the client credentials", genesys.ErrNotReady),
			contains: []string{"users not loaded yet: genesys: OAuth token: the login service refused"},
		},
		"channel not made yet": {
			st:       genesys.Status{Users: 3, UsersLoaded: true, Channels: []genesys.ChannelStatus{{LastError: "HTTP 503"}}},
			contains: []string{"notification channel not subscribed yet: HTTP 503"},
		},
		"channel down past the grace": {
			st:       genesys.Status{Users: 3, UsersLoaded: true, Channels: []genesys.ChannelStatus{{ID: "ch-1"}}},
			ready:    fmt.Errorf("%w: notification channel ch-1 down for 45s: EOF", genesys.ErrNotReady),
			contains: []string{"notification channel ch-1 down for 45s: EOF"},
		},
		"one topic refused": {
			st: genesys.Status{Users: 4, UsersLoaded: true, Channels: []genesys.ChannelStatus{{ID: "ch-1", Topics: 3, Rejected: 1, Connected: true}},
				LastError: "Genesys refused 1 of 4 topics (such as v2.users.u3.conversations); the OAuth client's role is missing permission " + missingPerm},
			serving: true, contains: []string{"Genesys refused 1 of 4 topics", missingPerm},
		},
		"every topic refused": {
			st: genesys.Status{Users: 4, UsersLoaded: true, Channels: []genesys.ChannelStatus{{ID: "ch-1", Rejected: 4, Connected: true}},
				LastError: "socket lost"},
			contains: []string{"Genesys refused 4 of 4 topics"},
		},
		"agents past the channel limit": {
			st:      genesys.Status{Users: 20000, Untracked: 7, UsersLoaded: true, Channels: []genesys.ChannelStatus{up}},
			serving: true, contains: []string{"7 agents NOT followed"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c := genesysCheck(tt.st, tt.ready, checkNow)
			if c.Name != "genesys" || c.OK != tt.ok {
				t.Fatalf("check %+v, want ok %v", c, tt.ok)
			}
			for _, w := range tt.contains {
				if !strings.Contains(c.Detail, w) {
					t.Errorf("detail %q lacks %q", c.Detail, w)
				}
			}
			if strings.Contains(c.Detail, genesys.ErrNotReady.Error()) {
				t.Errorf("detail %q repeats the sentinel", c.Detail)
			}
			if serving := genesysProblem(tt.st, tt.ready, false) == ""; serving != tt.serving {
				t.Errorf("serving %v, want %v", serving, tt.serving)
			}
		})
	}
}

func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		content string
		want    string
		err     string
	}{
		"trimmed":  {content: "  s3cret\n", want: "s3cret"},
		"empty":    {content: "\n\n", err: "empty"},
		"too long": {content: strings.Repeat("x", maxSecretSize+1), err: "not a client secret"},
		"missing":  {err: "no such file"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := readSecret(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

// New refuses a direct-mode config it cannot run, naming the key.
func TestGenesysBuildErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.secret")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeSecret(t, dir, simSecret)
	tests := map[string]struct {
		mutate func(*config.Genesys)
		want   string
	}{
		"no secret file": {func(g *config.Genesys) { g.ClientSecretFile = filepath.Join(dir, "nope") }, "cti.genesys.client_secret_file: open"},
		"empty secret":   {func(g *config.Genesys) { g.ClientSecretFile = empty }, "cti.genesys.client_secret_file: " + empty + ": empty"},
		"unknown region": {func(g *config.Genesys) { g.Region = "mars1" }, `cti.genesys: genesys: invalid config: region "mars1"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, "23800-23819")
			cfg.CTI.Source = config.SourceGenesys
			cfg.CTI.Genesys = config.Genesys{Region: "usw2", ClientID: simClientID, ClientSecretFile: good}
			tt.mutate(&cfg.CTI.Genesys)
			_, err := New(cfg, WithLogger(slog.New(slog.DiscardHandler)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}

// Direct mode against the Genesys simulator: the tracker's events reach
// the gate and are counted by outcome, its metrics are on the appliance's
// registry, /readyz has the genesys check, SIP OPTIONS and READY wait for
// it, and a rotated client secret is taken on reload without a restart.
func TestGenesysDirect(t *testing.T) {
	ds := startDirectSim(t, 5)
	a := newDirectApp(t, ds, "23820-23899")
	if err := a.upForReady(); err == nil {
		t.Fatal("READY before the tracker loaded the users")
	}
	runApp(t, a)
	waitGenesysReady(t, a)
	if err := a.upForReady(); err != nil {
		t.Fatalf("upForReady: %v", err)
	}
	if err := a.sip.Ready(); err != nil {
		t.Fatalf("sip not ready with the tracker serving: %v", err)
	}
	if line := a.statusLine(nil); !strings.Contains(line, "; genesys 5 agents, 1/1 channels") {
		t.Fatalf("STATUS %q", line)
	}
	c := readyzCheck(t, a, "genesys")
	if !c.OK || !strings.Contains(c.Detail, "following 5 agents on 1 channel (1 connected)") {
		t.Fatalf("/readyz genesys check %+v", c)
	}

	// No SIP session holds these keys: the gate caches both events.
	agent := ds.sim.Users()[0].ID
	call, err := ds.sim.Inbound(agent, genesyssim.InboundOptions{UCID: "004762C169FA480C"})
	if err != nil {
		t.Fatal(err)
	}
	waitCount(t, a, "cached", 1)
	if err := ds.sim.Disconnect(call.ConversationID); err != nil {
		t.Fatal(err)
	}
	waitCount(t, a, "cached", 2)
	for name, want := range map[string]float64{
		`cogito_edge_genesys_users`:                                        5,
		`cogito_edge_genesys_channels`:                                     1,
		`cogito_edge_genesys_channels_connected`:                           1,
		`cogito_edge_genesys_topics`:                                       5,
		`cogito_edge_genesys_events_total{type="start"}`:                   1,
		`cogito_edge_genesys_events_total{type="end"}`:                     1,
		`cogito_edge_gate_cti_events_total{outcome="cached",type="start"}`: 1,
		`cogito_edge_genesys_cti_events_total{outcome="matched"}`:          0,
	} {
		if got, ok := gathered(t, a, name); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}

	// A rotated secret: the tracker logs in with it on reload.
	writeSecretTo(t, a.cfg.CTI.Genesys.ClientSecretFile, rotatedSecret)
	if err := a.Reload(a.cfg); err != nil {
		t.Fatalf("Reload with the rotated secret: %v", err)
	}
	if n := ds.rotatedLogins.Load(); n != 1 {
		t.Fatalf("%d logins with the rotated secret, want 1", n)
	}
	if err := a.Reload(a.cfg); err != nil || ds.rotatedLogins.Load() != 1 {
		t.Fatalf("a reload with the same secret: %v, %d logins", err, ds.rotatedLogins.Load())
	}
	// A secret the login service refuses fails the reload and keeps the
	// rotated one: a revoked token is replaced with it.
	writeSecretTo(t, a.cfg.CTI.Genesys.ClientSecretFile, "wrong")
	if err := a.Reload(a.cfg); err == nil || !strings.Contains(err.Error(), "refused the client credentials") {
		t.Fatalf("Reload with a wrong secret: %v", err)
	}
	call2, err := ds.sim.Inbound(agent, genesyssim.InboundOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitCount(t, a, "cached", 3)
	ds.sim.RevokeTokens()
	ds.sim.Outage(true) // a gap: the tracker reads the call back with a new token
	if err := ds.sim.Hold(call2.ConversationID); err != nil {
		t.Fatal(err)
	}
	ds.sim.Outage(false)
	waitCount(t, a, "cached", 4)
	if n := ds.rotatedLogins.Load(); n < 2 {
		t.Fatalf("after the revocation: %d logins with the rotated secret, want 2 or more", n)
	}
	if c := readyzCheck(t, a, "genesys"); !c.OK {
		t.Fatalf("/readyz genesys after the reloads %+v", c)
	}
}

// A role without the permission the topics need: /readyz says which, and
// with every topic refused the appliance is not ready for calls.
func TestGenesysDirectMissingPermission(t *testing.T) {
	ds := startDirectSim(t, 3)
	var ids []string
	for _, u := range ds.sim.Users() {
		ids = append(ids, u.ID)
	}
	ds.sim.RejectTopics(missingPerm, ids...)
	a := newDirectApp(t, ds, "23900-23979")
	runApp(t, a)
	eventually(t, "the topics refused", func() bool {
		st := a.genesys.tr.Status()
		return len(st.Channels) == 1 && st.Channels[0].Rejected == 3
	})
	c := readyzCheck(t, a, "genesys")
	if c.OK || !strings.Contains(c.Detail, missingPerm+" (Analytics > Conversation Detail > View)") {
		t.Fatalf("/readyz genesys check %+v", c)
	}
	if err := a.sip.Ready(); err == nil || !strings.Contains(err.Error(), "genesys: ") {
		t.Fatalf("sip ready with every topic refused: %v", err)
	}
	if err := a.upForReady(); err == nil {
		t.Fatal("READY with every topic refused")
	}
}

// directSim is the Genesys simulator behind a login front that also takes
// rotatedSecret, as Genesys does once a client's secret is rotated.
type directSim struct {
	sim           *genesyssim.Sim
	url           string
	rotatedLogins atomic.Int32
}

func startDirectSim(t *testing.T, users int) *directSim {
	t.Helper()
	sim, err := genesyssim.New(genesyssim.Config{ClientID: simClientID, ClientSecret: simSecret, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	ds := &directSim{sim: sim}
	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, secret, ok := r.BasicAuth(); ok && r.URL.Path == "/oauth/token" && secret == rotatedSecret {
			ds.rotatedLogins.Add(1)
			r.SetBasicAuth(id, simSecret)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		sim.Close() // its sockets first: the server waits for them
		srv.Close()
	})
	ds.url = srv.URL
	return ds
}

// newDirectApp builds an appliance with cti.source genesys,api against ds.
func newDirectApp(t *testing.T, ds *directSim, ports string) *Appliance {
	t.Helper()
	cfg := testConfig(t, ports)
	cfg.CTI.Source = "genesys,api"
	cfg.CTI.Genesys = config.Genesys{Region: "usw2", BaseURL: ds.url, ClientID: simClientID,
		ClientSecretFile: writeSecret(t, t.TempDir(), simSecret)}
	a, err := New(cfg, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		withGenesysTuning(func(c *genesys.Config) { c.MinBackoff, c.MaxBackoff = 10*time.Millisecond, 100*time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func writeSecret(t *testing.T, dir, secret string) string {
	t.Helper()
	path := filepath.Join(dir, "genesys.secret")
	writeSecretTo(t, path, secret)
	return path
}

func writeSecretTo(t *testing.T, path, secret string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func waitGenesysReady(t *testing.T, a *Appliance) {
	t.Helper()
	eventually(t, "the genesys check", func() bool {
		c := a.genesysChecks()
		return len(c) == 1 && c[0].OK
	})
}

// waitCount waits for the genesys events counter of outcome to reach n.
func waitCount(t *testing.T, a *Appliance, outcome string, n float64) {
	t.Helper()
	eventually(t, fmt.Sprintf("%v events %s", n, outcome), func() bool {
		got, _ := gathered(t, a, `cogito_edge_genesys_cti_events_total{outcome="`+outcome+`"}`)
		return got >= n
	})
}

// eventually polls cond: the tracker's status has no change to wait on.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(15 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// readyzCheck asks the admin API's /readyz for the check called name.
func readyzCheck(t *testing.T, a *Appliance, name string) struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
} {
	t.Helper()
	res, err := http.Get("http://" + a.AdminAddr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rz struct {
		Checks []struct {
			Name   string `json:"name"`
			OK     bool   `json:"ok"`
			Detail string `json:"detail"`
		} `json:"checks"`
	}
	if err := json.NewDecoder(res.Body).Decode(&rz); err != nil {
		t.Fatal(err)
	}
	for _, c := range rz.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("/readyz has no %s check: %+v", name, rz.Checks)
	return rz.Checks[0]
}

// gathered reads one sample from the appliance's registry, such as
// `name{label="v"}` (labels in name order).
func gathered(t *testing.T, a *Appliance, sample string) (float64, bool) {
	t.Helper()
	fams, err := a.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	name, _, _ := strings.Cut(sample, "{")
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			key := name
			if len(ls) > 0 {
				key += "{" + strings.Join(ls, ",") + "}"
			}
			if key != sample {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}
