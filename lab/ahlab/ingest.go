package ahlab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/appliance/relay"
)

// Ingest defaults.
const (
	DefaultPath   = "/audiohook"
	DefaultLinger = 30 * time.Second
	// ingestQueue is the local store's queue in one-second buffers: a
	// continued session resends up to the relay's whole buffer at once.
	ingestQueue = 64
)

// IngestConfig configures an Ingest.
type IngestConfig struct {
	// Dir is where recordings go: <dir>/<YYYY-MM-DD>/<id>.wav and .json.
	Dir string
	// Credentials resolve X-API-KEY to the client secret. Required.
	Credentials audiohook.SecretLookup
	// PublicAuthority is the host[:port] clients sign as @authority;
	// empty: the request's Host.
	PublicAuthority string
	// Path is the AudioHook endpoint's path; empty: DefaultPath.
	Path string
	// StartPaused opens every new recording's session paused (no audio
	// until Resume, as the appliance does until a CTI match); ResumeAfter,
	// if set, resumes it after that long.
	StartPaused bool
	ResumeAfter time.Duration
	// DiscardTo answers a continued session's open with discardTo at the
	// audio already received, so the client skips it instead of resending.
	// Off, the resent overlap is dropped here by position.
	DiscardTo bool
	// Linger is how long a recording whose connection was lost waits for a
	// continued session before it is closed as "lost". Zero: DefaultLinger.
	Linger time.Duration
	// SignatureFailureDelay is the verifier's least answer time on a
	// failure; zero: the audiohook default (500 ms), negative: none.
	SignatureFailureDelay time.Duration
	// Logger, nil: discard. Registerer, nil: metrics unregistered.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// OnEvent, if set, is told about sessions and recordings as they
	// happen (the CLI prints them). It must not block.
	OnEvent func(Event)
}

// Ingest is the lab's AudioHook ingest. Its Handler serves the AudioHook
// endpoint and GET <path>/status; Start serves both on a listener.
type Ingest struct {
	cfg   IngestConfig
	log   *slog.Logger
	srv   *audiohook.Server
	store *relay.LocalStore
	mux   *http.ServeMux
	life  context.Context
	stop  context.CancelFunc

	// mu guards the fields below.
	mu       sync.Mutex
	sessions map[string]*ingestSession // by session id
	order    []*ingestSession          // in open order
	recs     []*ingestRec              // in open order
	conns    map[string]net.Conn       // live connections by session id
	down     bool
	closed   bool
	changed  chan struct{} // closed and replaced on every change
	httpSrv  *http.Server
	serving  sync.WaitGroup
}

// NewIngest validates cfg and returns an ingest. It does no I/O.
func NewIngest(cfg IngestConfig) (*Ingest, error) {
	if cfg.Dir == "" || cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: the ingest needs a directory and credentials", ErrConfig)
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.Linger <= 0 {
		cfg.Linger = DefaultLinger
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := audiohook.NewMetrics(cfg.Registerer)
	v, err := audiohook.NewVerifier(audiohook.VerifierConfig{
		Credentials: cfg.Credentials, PublicAuthority: cfg.PublicAuthority,
		MinFailureDelay: cfg.SignatureFailureDelay, Metrics: m,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	in := &Ingest{
		cfg:      cfg,
		log:      log.With("component", "ahlab.ingest"),
		store:    relay.NewLocal(cfg.Dir, log, relay.NewMetrics(cfg.Registerer), relay.WithQueue(ingestQueue)),
		sessions: make(map[string]*ingestSession),
		conns:    make(map[string]net.Conn),
		changed:  make(chan struct{}),
	}
	in.life, in.stop = context.WithCancel(context.Background())
	in.srv, err = audiohook.NewServer(audiohook.ServerConfig{
		Verifier: v, Application: (*ingestApp)(in), Logger: log, Metrics: m,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	in.mux = http.NewServeMux()
	in.mux.HandleFunc(cfg.Path, in.serveAudioHook)
	in.mux.HandleFunc("GET "+cfg.Path+"/status", in.serveStatus)
	return in, nil
}

// Handler serves the AudioHook endpoint and its status. Kill needs the
// connection: serve it from an http.Server whose ConnContext is the
// ingest's ConnContext (Start does).
func (in *Ingest) Handler() http.Handler { return in.mux }

// ServeHTTP serves what Handler serves: an Ingest is an http.Handler. An
// http.Server that serves it should take its ConnContext, for Kill.
func (in *Ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) { in.mux.ServeHTTP(w, r) }

type connKey struct{}

// ConnContext remembers each request's connection, so that Kill can cut
// it; set it as http.Server.ConnContext.
func (in *Ingest) ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// serveAudioHook refuses upgrades while the ingest is down, and tracks
// the connection of each session.
func (in *Ingest) serveAudioHook(w http.ResponseWriter, r *http.Request) {
	sid := r.Header.Get(audiohook.HeaderSessionID)
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	in.mu.Lock()
	down := in.down || in.closed
	if !down && c != nil && sid != "" {
		in.conns[sid] = c
	}
	in.mu.Unlock()
	if down {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "ingest down", http.StatusServiceUnavailable)
		return
	}
	defer func() {
		in.mu.Lock()
		if in.conns[sid] == c {
			delete(in.conns, sid)
		}
		in.mu.Unlock()
	}()
	in.srv.ServeHTTP(w, r)
}

// Start serves the ingest on addr (host:port; port 0 picks one), with TLS
// when tlsConfig is set, and returns the AudioHook URL (ws:// or wss://).
func (in *Ingest) Start(addr string, tlsConfig *tls.Config) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("ahlab: listen: %w", err)
	}
	scheme := "ws"
	if tlsConfig != nil {
		ln, scheme = tls.NewListener(ln, tlsConfig), "wss"
	}
	if err := in.ServeListener(ln); err != nil {
		_ = ln.Close()
		return "", err
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, port), in.cfg.Path), nil
}

// ServeListener serves the ingest on ln in the background until Shutdown:
// for a listener Start does not make (the cloud simulator's, inside its
// WireGuard tunnel). Only one listener is served.
func (in *Ingest) ServeListener(ln net.Listener) error {
	in.mu.Lock()
	switch {
	case in.closed:
		in.mu.Unlock()
		return fmt.Errorf("ahlab: serve: %w", ErrClosed)
	case in.httpSrv != nil:
		in.mu.Unlock()
		return fmt.Errorf("%w: the ingest already serves a listener", ErrConfig)
	}
	in.httpSrv = &http.Server{Handler: in.mux, ConnContext: in.ConnContext, ReadHeaderTimeout: 10 * time.Second}
	srv := in.httpSrv
	in.serving.Add(1)
	in.mu.Unlock()
	go func() {
		defer in.serving.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			in.log.Error("ingest stopped serving", "err", err)
		}
	}()
	return nil
}

// Shutdown refuses new sessions, waits for the live ones to end (or drops
// them when ctx ends), closes every recording still open with reason
// "shutdown", and stops serving. It is idempotent.
func (in *Ingest) Shutdown(ctx context.Context) error {
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return nil
	}
	in.closed = true
	srv := in.httpSrv
	in.mu.Unlock()
	err := in.srv.Shutdown(ctx)
	in.stop()
	in.mu.Lock()
	recs := append([]*ingestRec(nil), in.recs...)
	in.mu.Unlock()
	for _, rec := range recs {
		rec.close("shutdown")
	}
	if srv != nil {
		_ = srv.Close() // hijacked connections are the sessions', already gone
		in.serving.Wait()
	}
	return errors.Join(err, in.store.Close())
}

// Close is Shutdown with a 5 s grace.
func (in *Ingest) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return in.Shutdown(ctx)
}

// notifyLocked wakes everyone waiting for a change.
func (in *Ingest) notifyLocked() {
	close(in.changed)
	in.changed = make(chan struct{})
}

// wait blocks until cond (called with in.mu held) holds or ctx ends.
func (in *Ingest) wait(ctx context.Context, cond func() bool) error {
	for {
		in.mu.Lock()
		ok, ch := cond(), in.changed
		in.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (in *Ingest) emit(e Event) {
	if f := in.cfg.OnEvent; f != nil {
		f(e)
	}
}
