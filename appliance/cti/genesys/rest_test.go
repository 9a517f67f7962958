package genesys

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/cti"
)

// fakeGenesys serves the token endpoint and one scripted API handler.
type fakeGenesys struct {
	srv       *httptest.Server
	tokens    atomic.Int32 // tokens issued
	tokenFail atomic.Int32 // the next n token requests answer 503
	badCreds  atomic.Bool
	api       http.HandlerFunc
}

func newFakeGenesys(t *testing.T, api http.HandlerFunc) *fakeGenesys {
	t.Helper()
	f := &fakeGenesys{api: api}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			f.token(t, w, r)
			return
		}
		f.api(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGenesys) token(t *testing.T, w http.ResponseWriter, r *http.Request) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("id:secret"))
	if got := r.Header.Get("Authorization"); got != want || f.badCreds.Load() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","description":"client not found","error_description":"client not found"}`)
		return
	}
	if r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		t.Errorf("token request form %v", r.PostForm)
	}
	if f.tokenFail.Load() > 0 {
		f.tokenFail.Add(-1)
		http.Error(w, "upstream down", http.StatusServiceUnavailable)
		return
	}
	n := f.tokens.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":86400}`, n)
}

func (f *fakeGenesys) client(t *testing.T) *apiClient {
	t.Helper()
	cfg := Config{BaseURL: f.srv.URL, ClientID: "id", ClientSecret: "secret", OnEvent: func(cti.Event) {},
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 4}
	cfg, ep, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(ep.API)
	m := NewMetrics(nil)
	log := slog.New(slog.DiscardHandler)
	return &apiClient{base: base, http: cfg.HTTPClient, tok: newTokenCache(ep.TokenURL, "id", "secret", cfg.HTTPClient, log, m),
		cfg: &cfg, log: log, m: m}
}

func TestAPIRetries(t *testing.T) {
	tests := map[string]struct {
		script    []int // status of each API attempt; past the end: 200
		retryHdr  string
		wantErr   error
		wantCalls int
		minWait   time.Duration
		tokens    int32
	}{
		"ok":                 {script: nil, wantCalls: 1, tokens: 1},
		"5xx then ok":        {script: []int{500, 503}, wantCalls: 3, tokens: 1},
		"429 retry-after":    {script: []int{429}, retryHdr: "1", wantCalls: 2, minWait: 900 * time.Millisecond, tokens: 1},
		"401 fresh token":    {script: []int{401}, wantCalls: 2, tokens: 2},
		"401 twice":          {script: []int{401, 401}, wantCalls: 3, tokens: 3},
		"404":                {script: []int{404}, wantErr: ErrNotFound, wantCalls: 1, tokens: 1},
		"403":                {script: []int{403}, wantErr: ErrForbidden, wantCalls: 1, tokens: 1},
		"400":                {script: []int{400}, wantErr: ErrRequest, wantCalls: 1, tokens: 1},
		"always 503":         {script: []int{503, 503, 503, 503, 503}, wantErr: ErrUnavailable, wantCalls: 4, tokens: 1},
		"always 429":         {script: []int{429, 429, 429, 429, 429}, retryHdr: "0", wantErr: ErrRateLimited, wantCalls: 4, tokens: 1},
		"429 without header": {script: []int{429}, wantCalls: 2, tokens: 1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
					t.Errorf("authorization %q", r.Header.Get("Authorization"))
				}
				n := int(calls.Add(1)) - 1
				if n < len(tt.script) {
					if tt.script[n] == 429 && tt.retryHdr != "" {
						w.Header().Set("Retry-After", tt.retryHdr)
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tt.script[n])
					fmt.Fprintf(w, `{"message":"scripted %d","code":"scripted.error","status":%d}`, tt.script[n], tt.script[n])
					return
				}
				fmt.Fprint(w, `{"id":"streaming-0-abc","connectUri":"wss://streaming.example/channels/streaming-0-abc","expires":"2026-11-26T10:00:00.000Z"}`)
			})
			c := f.client(t)
			start := time.Now()
			ch, err := c.createChannel(context.Background())
			if tt.wantErr != nil {
				var ae *APIError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &ae) || ae.Code != "scripted.error" {
					t.Fatalf("err = %v, want %v with Genesys's code", err, tt.wantErr)
				}
			} else if err != nil || ch.ID != "streaming-0-abc" || ch.expiry().IsZero() {
				t.Fatalf("channel %+v, err %v", ch, err)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Fatalf("%d API calls, want %d", got, tt.wantCalls)
			}
			if el := time.Since(start); el < tt.minWait {
				t.Fatalf("returned after %v, before Retry-After %v", el, tt.minWait)
			}
			if got := f.tokens.Load(); got != tt.tokens {
				t.Fatalf("%d tokens, want %d", got, tt.tokens)
			}
		})
	}
}

func TestTokenFailures(t *testing.T) {
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	c := f.client(t)
	f.tokenFail.Store(2) // the login service fails twice: retried, no panic
	if err := c.deleteSubscriptions(context.Background(), "ch"); err != nil {
		t.Fatalf("after two failed refreshes: %v", err)
	}
	if got := c.m.tokenRefreshes.WithLabelValues("error"); got == nil {
		t.Fatal("no metric")
	}
	f.badCreds.Store(true)
	c.tok.invalidate("tok-1")
	err := c.deleteSubscriptions(context.Background(), "ch")
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "client_secret_file") {
		t.Fatalf("bad credentials: %v", err)
	}
}

func TestListUsersFollowsNextURI(t *testing.T) {
	const total = 7
	f := newFakeGenesys(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/users" {
			http.NotFound(w, r)
			return
		}
		size, page := 3, 1
		fmt.Sscan(r.URL.Query().Get("pageSize"), &size)
		fmt.Sscan(r.URL.Query().Get("pageNumber"), &page)
		var ents []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			state := "active"
			if i == 4 {
				state = "inactive"
			}
			ents = append(ents, fmt.Sprintf(`{"id":"u%d","name":"User %d","state":%q,"extra":{"x":1}}`, i, i, state))
		}
		pages := (total + size - 1) / size
		next := ""
		if page < pages {
			next = fmt.Sprintf(`,"nextUri":"/api/v2/users?pageSize=%d&pageNumber=%d"`, size, page+1)
		}
		fmt.Fprintf(w, `{"entities":[%s],"pageSize":%d,"pageNumber":%d,"total":%d,"pageCount":%d%s}`,
			strings.Join(ents, ","), size, page, total, pages, next)
	})
	c := f.client(t)
	c.cfg.PageSize = 3
	ids, err := c.listUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids, ","); got != "u0,u1,u2,u3,u5,u6" {
		t.Fatalf("users %s", got)
	}
}

func TestResolveStaysOnHost(t *testing.T) {
	c := (&fakeGenesys{srv: httptest.NewServer(http.NotFoundHandler())})
	defer c.srv.Close()
	api := c.client(t)
	if _, err := api.resolve("https://evil.example/api/v2/users?pageNumber=2"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("foreign nextUri accepted: %v", err)
	}
	if u, err := api.resolve("/api/v2/users?pageNumber=2"); err != nil || !strings.HasPrefix(u.String(), c.srv.URL) {
		t.Fatalf("relative: %v %v", u, err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"1":                             time.Second,
		" 30 ":                          30 * time.Second,
		"Wed, 25 Nov 2026 12:00:05 GMT": 5 * time.Second,
		"Wed, 25 Nov 2026 11:00:00 GMT": 0,
	} {
		if got, ok := retryAfter(in, now); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon"} {
		if _, ok := retryAfter(in, now); ok {
			t.Errorf("%q accepted", in)
		}
	}
}
