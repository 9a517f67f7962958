package genesyssim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/cogito/cogito-edge/appliance/cti/genesys"
)

// Sim is the Genesys Cloud stand-in. Create it with New, serve with
// Start, stop with Close; every other method is safe for concurrent use.
type Sim struct {
	cfg   Config
	log   *slog.Logger
	clock genesys.Clock
	up    websocket.Upgrader

	ln   net.Listener
	srv  *http.Server
	base string // http://127.0.0.1:port
	wg   sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	users    []*user
	byID     map[string]*user
	nextUser int
	tokens   map[string]time.Time // access token → wall-clock expiry
	channels map[string]*channel
	chanSeq  int
	convs    map[string]*conversation
	faults   faults
	stats    Stats
	closed   bool
}

// Stats counts what the simulator did, for tests and GET /sim/stats.
type Stats struct {
	TokensIssued     int `json:"tokens_issued"`
	TokensRefused    int `json:"tokens_refused"`
	Unauthorized     int `json:"unauthorized"`
	RateLimited      int `json:"rate_limited"`
	UserPages        int `json:"user_pages"`
	ChannelsCreated  int `json:"channels_created"`
	ChannelsEvicted  int `json:"channels_evicted"`
	Subscriptions    int `json:"subscription_requests"`
	TooManyTopics    int `json:"too_many_topics"`
	SocketsOpened    int `json:"sockets_opened"`
	SocketsRefused   int `json:"sockets_refused"`
	Heartbeats       int `json:"heartbeats"`
	Pongs            int `json:"pongs"`
	Notifications    int `json:"notifications"`
	Dropped          int `json:"notifications_dropped"`
	ConversationGets int `json:"conversation_gets"`
}

// New validates cfg and creates the users; it listens on nothing until
// Start.
func New(cfg Config) (*Sim, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sim{
		cfg:      cfg,
		log:      cfg.Log.With("component", "genesyssim"),
		clock:    cfg.Clock,
		up:       websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 16 << 10},
		byID:     make(map[string]*user),
		tokens:   make(map[string]time.Time),
		channels: make(map[string]*channel),
		convs:    make(map[string]*conversation),
		faults:   faults{reject: make(map[string]string)},
	}
	s.addUsersLocked(cfg.Users)
	return s, nil
}

// Start listens and serves until Close.
func (s *Sim) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("genesyssim: listen %s: %w", s.cfg.Listen, err)
	}
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Go(func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("genesyssim: serve", "err", err)
		}
	})
	s.log.Info("genesyssim: serving", "url", s.base, "users", len(s.Users()))
	return nil
}

// URL is the base URL of both the token endpoint and the API: the
// tracker's Config.BaseURL (cti.genesys.base_url).
func (s *Sim) URL() string { return s.base }

// Close stops serving and closes every socket. It is idempotent.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var socks []*socket
	for _, ch := range s.channels {
		if ch.sock != nil {
			socks = append(socks, ch.sock)
		}
	}
	s.mu.Unlock()
	for _, so := range socks {
		so.close()
	}
	var err error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
		if err != nil {
			err = s.srv.Close()
		}
	}
	s.wg.Wait()
	return err
}

// Stats returns the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Handler is the simulator's HTTP handler: the OAuth token endpoint, the
// Platform API, the notification WebSockets (/channels/{id}) and the
// simulator's own API (/sim/...).
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("GET /api/v2/users", s.authed(s.handleUsers))
	mux.HandleFunc("POST /api/v2/notifications/channels", s.authed(s.handleCreateChannel))
	mux.HandleFunc("GET /api/v2/notifications/channels", s.authed(s.handleListChannels))
	mux.HandleFunc("HEAD /api/v2/notifications/channels/{id}", s.authed(s.handleHeadChannel))
	mux.HandleFunc("GET /api/v2/notifications/channels/{id}/subscriptions", s.authed(s.handleGetSubscriptions))
	mux.HandleFunc("PUT /api/v2/notifications/channels/{id}/subscriptions", s.authed(s.handlePutSubscriptions))
	mux.HandleFunc("DELETE /api/v2/notifications/channels/{id}/subscriptions", s.authed(s.handleDeleteSubscriptions))
	mux.HandleFunc("GET /api/v2/conversations/calls/{id}", s.authed(s.handleGetCall))
	mux.HandleFunc("GET /channels/{id}", s.handleSocket)
	s.simRoutes(mux)
	return mux
}

// authed checks the bearer token and the rate-limit fault before h.
func (s *Sim) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		exp, known := s.tokens[tok]
		valid := ok && known && time.Now().Before(exp)
		if !valid {
			s.stats.Unauthorized++
			s.mu.Unlock()
			writeError(w, http.StatusUnauthorized, "bad.credentials", "Invalid login credentials.")
			return
		}
		if s.faults.rateLimit > 0 {
			s.faults.rateLimit--
			s.stats.RateLimited++
			after := s.faults.retryAfter
			s.mu.Unlock()
			secs := max(0, int((after+time.Second-1)/time.Second))
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			writeError(w, http.StatusTooManyRequests, "too.many.requests",
				fmt.Sprintf("Rate limit exceeded the maximum. Retry the request in [%d] seconds", secs))
			return
		}
		s.mu.Unlock()
		h(w, r)
	}
}
