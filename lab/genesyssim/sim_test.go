package genesyssim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// startSim runs a simulator for one test.
func startSim(t *testing.T, cfg Config) *Sim {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = "cid", "csecret"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client is a bare API client of the tests.
type client struct {
	t   *testing.T
	s   *Sim
	tok string
}

func newClient(t *testing.T, s *Sim) *client {
	c := &client{t: t, s: s}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.cfg.ClientID, s.cfg.ClientSecret)
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if code := c.do(req, &tok); code != 200 || tok.AccessToken == "" || tok.TokenType != "bearer" || tok.ExpiresIn < 1 {
		t.Fatalf("token: %d %+v", code, tok)
	}
	c.tok = tok.AccessToken
	return c
}

func (c *client) do(req *http.Request, out any) int {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", req.Method, req.URL, err, b)
		}
	}
	return resp.StatusCode
}

func (c *client) api(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.s.URL()+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	return c.do(req, out)
}

type chanResp struct {
	ID         string `json:"id"`
	ConnectURI string `json:"connectUri"`
	Expires    string `json:"expires"`
}

func (c *client) channel() chanResp {
	c.t.Helper()
	var ch chanResp
	if code := c.api(http.MethodPost, "/api/v2/notifications/channels", nil, &ch); code != 200 || ch.ID == "" {
		c.t.Fatalf("create channel: %d %+v", code, ch)
	}
	return ch
}

func topics(ids ...string) []map[string]string {
	out := make([]map[string]string, len(ids))
	for i, id := range ids {
		out[i] = map[string]string{"id": "v2.users." + id + ".conversations"}
	}
	return out
}

func TestToken(t *testing.T) {
	s := startSim(t, Config{Users: 1})
	for name, tt := range map[string]struct {
		body, user, pass string
		want             int
	}{
		"basic":      {"grant_type=client_credentials", "cid", "csecret", 200},
		"form":       {"grant_type=client_credentials&client_id=cid&client_secret=csecret", "", "", 200},
		"bad secret": {"grant_type=client_credentials", "cid", "nope", 401},
		"bad grant":  {"grant_type=password", "cid", "csecret", 400},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL()+"/oauth/token", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			var body map[string]any
			if code := (&client{t: t, s: s}).do(req, &body); code != tt.want {
				t.Fatalf("status %d, want %d: %v", code, tt.want, body)
			}
			if tt.want != 200 && body["error"] == nil {
				t.Fatalf("no OAuth error: %v", body)
			}
		})
	}
	c := newClient(t, s)
	if code := c.api(http.MethodGet, "/api/v2/users", nil, nil); code != 200 {
		t.Fatalf("users with a token: %d", code)
	}
	s.RevokeTokens()
	var e struct{ Code string }
	if code := c.api(http.MethodGet, "/api/v2/users", nil, &e); code != 401 || e.Code != "bad.credentials" {
		t.Fatalf("revoked token: %d %+v", code, e)
	}
}

func TestUsersPaged(t *testing.T) {
	s := startSim(t, Config{Users: 7})
	c := newClient(t, s)
	next := "/api/v2/users?pageSize=3&pageNumber=1"
	var ids []string
	for next != "" {
		var p struct {
			Entities []struct{ ID, State string }
			NextURI  string `json:"nextUri"`
			Total    int
		}
		if code := c.api(http.MethodGet, next, nil, &p); code != 200 || p.Total != 7 {
			t.Fatalf("%s: %d %+v", next, code, p)
		}
		for _, e := range p.Entities {
			ids = append(ids, e.ID)
		}
		next = p.NextURI
	}
	if len(ids) != 7 || ids[0] != s.Users()[0].ID {
		t.Fatalf("users %v", ids)
	}
	if code := c.api(http.MethodGet, "/api/v2/users?pageSize=501", nil, nil); code != 400 {
		t.Fatalf("pageSize 501: %d", code)
	}
}

func TestSubscriptionLimits(t *testing.T) {
	s := startSim(t, Config{Users: 3, MaxTopics: 2})
	c := newClient(t, s)
	ch := c.channel()
	u := s.Users()
	path := "/api/v2/notifications/channels/" + ch.ID + "/subscriptions"
	if code := c.api(http.MethodPut, path, topics(u[0].ID, u[1].ID, u[2].ID), nil); code != 400 {
		t.Fatalf("3 topics over a limit of 2: %d", code)
	}
	s.RejectTopics("analytics:conversationDetail:view", u[1].ID)
	var res struct {
		Entities []struct {
			ID, State, RejectionReason string
			MissingPermissions         []string
		}
	}
	if code := c.api(http.MethodPut, path+"?ignoreErrors=true", topics(u[0].ID, u[1].ID), &res); code != 200 || len(res.Entities) != 2 {
		t.Fatalf("subscribe: %d %+v", code, res)
	}
	if e := res.Entities[1]; e.State != "Rejected" || len(e.MissingPermissions) != 1 || e.MissingPermissions[0] != "analytics:conversationDetail:view" {
		t.Fatalf("rejected entity %+v", e)
	}
	if res.Entities[0].State != "Permitted" {
		t.Fatalf("permitted entity %+v", res.Entities[0])
	}
	if code := c.api(http.MethodPut, path, topics(u[0].ID, u[1].ID), nil); code != 403 {
		t.Fatalf("rejected without ignoreErrors: %d", code)
	}
	if code := c.api(http.MethodHead, "/api/v2/notifications/channels/"+ch.ID, nil, nil); code != 200 {
		t.Fatalf("HEAD: %d", code)
	}
	if err := s.DeleteChannel(ch.ID); err != nil {
		t.Fatal(err)
	}
	if code := c.api(http.MethodHead, "/api/v2/notifications/channels/"+ch.ID, nil, nil); code != 404 {
		t.Fatalf("HEAD deleted: %d", code)
	}
}

// TestEvictionLRU: the 21st channel evicts the least recently used one,
// channels without a connection first, as Genesys documents.
func TestEvictionLRU(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := startSim(t, Config{Users: 1, MaxChannels: 3, Clock: clk})
	c := newClient(t, s)
	a := c.channel()
	clk.Advance(time.Second)
	b := c.channel()
	clk.Advance(time.Second)
	d := c.channel()
	ws := dial(t, a.ConnectURI) // a is the oldest but connected
	defer ws.Close()
	waitFor(t, "a connected", func() bool { return connected(s, a.ID) })
	c.channel() // evicts b: the oldest without a connection
	ids := map[string]bool{}
	for _, ch := range s.Channels() {
		ids[ch.ID] = true
	}
	if !ids[a.ID] || ids[b.ID] || !ids[d.ID] || len(ids) != 3 {
		t.Fatalf("after eviction: %v (a %s b %s d %s)", ids, a.ID, b.ID, d.ID)
	}
}

func connected(s *Sim, id string) bool {
	for _, ch := range s.Channels() {
		if ch.ID == id {
			return ch.Connected
		}
	}
	return false
}

func dial(t *testing.T, uri string) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(uri, nil)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (%d)", uri, err, code)
	}
	return ws
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling the simulator's state: nothing to await
	}
}

func read(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func message(m map[string]any) string {
	body, _ := m["eventBody"].(map[string]any)
	s, _ := body["message"].(string)
	return s
}

// TestSocket: heartbeats on the clock, ping/pong, socket_closing, and a
// call's notifications on the agent's topic, in the conversation model.
func TestSocket(t *testing.T) {
	clk := NewManualClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := startSim(t, Config{Users: 2, Clock: clk})
	c := newClient(t, s)
	ch := c.channel()
	u := s.Users()
	if code := c.api(http.MethodPut, "/api/v2/notifications/channels/"+ch.ID+"/subscriptions", topics(u[0].ID), nil); code != 200 {
		t.Fatal(code)
	}
	ws := dial(t, ch.ConnectURI)
	defer ws.Close()
	waitFor(t, "socket", func() bool { return connected(s, ch.ID) && clk.Armed() > 0 })
	clk.Advance(30 * time.Second)
	if m := read(t, ws); m["topicName"] != "channel.metadata" || message(m) != "WebSocket Heartbeat" {
		t.Fatalf("heartbeat: %v", m)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"message":"ping"}`))
	if m := read(t, ws); message(m) != "pong" {
		t.Fatalf("pong: %v", m)
	}
	call, err := s.Inbound(u[0].ID, InboundOptions{UCID: "004762C169FA480C"})
	if err != nil {
		t.Fatal(err)
	}
	if call.UUI != "04FA08004762C169FA480CC8143030303731323532383131373738303130313234" {
		t.Fatalf("UUI %s", call.UUI)
	}
	var states []string
	for range 2 {
		m := read(t, ws)
		if m["topicName"] != "v2.users."+u[0].ID+".conversations" || m["version"] != "2" {
			t.Fatalf("notification %v", m["topicName"])
		}
		body := m["eventBody"].(map[string]any)
		parts := body["participants"].([]any)
		ag := parts[len(parts)-1].(map[string]any)
		cust := parts[0].(map[string]any)
		call0 := ag["calls"].([]any)[0].(map[string]any)
		if body["id"] != call.ConversationID || ag["purpose"] != "agent" || ag["userId"] != u[0].ID ||
			cust["purpose"] != "customer" || cust["calls"].([]any)[0].(map[string]any)["uuiData"] != call.UUI {
			t.Fatalf("event body %v", body)
		}
		states = append(states, call0["state"].(string))
	}
	if strings.Join(states, ",") != "alerting,connected" {
		t.Fatalf("agent states %v", states)
	}
	if n := s.SocketClosing(""); n != 1 {
		t.Fatalf("socket_closing sent to %d", n)
	}
	if m := read(t, ws); m["topicName"] != "v2.system.socket_closing" {
		t.Fatalf("socket_closing: %v", m)
	}
	clk.Advance(time.Minute) // the grace ends (and a heartbeat may still come first)
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("socket still open after the grace")
			}
			break
		}
		if !strings.Contains(string(b), "WebSocket Heartbeat") {
			t.Fatalf("after socket_closing: %s", b)
		}
	}
	var rc struct {
		ID           string
		Participants []struct {
			Purpose, State, Direction, UUIData string
			Held                               bool
			User                               *struct{ ID string }
		}
	}
	if code := c.api(http.MethodGet, "/api/v2/conversations/calls/"+url.PathEscape(call.ConversationID), nil, &rc); code != 200 {
		t.Fatal(code)
	}
	if rc.ID != call.ConversationID || len(rc.Participants) != 3 || rc.Participants[2].User == nil ||
		rc.Participants[2].State != "connected" || rc.Participants[0].UUIData != call.UUI {
		t.Fatalf("call read %+v", rc)
	}
}

func TestASAIUUI(t *testing.T) {
	ucid := NewUCID(time.Unix(1_700_000_000, 0))
	uui, err := ASAIUUI(ucid)
	if err != nil {
		t.Fatal(err)
	}
	keys := callkey.FromUUI(uui)
	if len(keys) != 1 || keys[0].Value != ucid || !strings.HasPrefix(uui, "04FA08"+ucid+"C814") || len(uui) != 6+16+4+40 {
		t.Fatalf("UUI %s for %s: keys %v", uui, ucid, keys)
	}
	if _, err := ASAIUUI("xyz"); err == nil {
		t.Fatal("bad UCID accepted")
	}
}
