package audiohook

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
)

// DefaultFrameDuration is the audio a client batches into one binary frame.
const DefaultFrameDuration = 100 * time.Millisecond

// ClientConfig configures a Client. Zero durations take the defaults.
type ClientConfig struct {
	// URL is the server's ws:// or wss:// URI.
	URL string
	// APIKey is sent as X-API-KEY and is the signature's keyid.
	APIKey string
	// Secret is the decoded client secret; empty sends an unsigned upgrade.
	Secret []byte
	// OrganizationID goes in Audiohook-Organization-Id and open. Required.
	OrganizationID string
	// DialContext opens the TCP connection; the relay dials through the
	// in-process WireGuard tunnel. Nil: net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	TLSConfig   *tls.Config
	// HandshakeTimeout bounds the HTTP upgrade (wall clock).
	HandshakeTimeout time.Duration
	// OpenTimeout bounds the wait for opened; CloseTimeout for closed.
	OpenTimeout  time.Duration
	CloseTimeout time.Duration
	// FirstPing and PingInterval set the ping cadence; a pong is expected
	// before the next ping.
	FirstPing    time.Duration
	PingInterval time.Duration
	// FrameDuration is the audio batched into one binary frame.
	FrameDuration time.Duration
	WriteTimeout  time.Duration
	Clock         Clock
	Metrics       *Metrics
	Logger        *slog.Logger
	// OnEvent, if set, is called on the session's read goroutine for
	// what the server says: pause, resume, disconnect, reconnect, event.
	// It must not block or call Close.
	OnEvent func(s *ClientSession, e ClientEvent)
}

// ClientEvent is a server message surfaced to the caller.
type ClientEvent struct {
	Type Type
	// Paused is whether audio is paused after this event.
	Paused bool
	// Disconnect holds a disconnect's parameters.
	Disconnect *DisconnectParameters
	// Info is a reconnect's info.
	Info string
	// Entities are an event's entities.
	Entities []EventEntity
}

// Client is the AudioHook client role: it opens sessions on one server.
type Client struct {
	cfg    ClientConfig
	u      *url.URL
	log    *slog.Logger
	m      *Metrics
	clock  Clock
	dialer websocket.Dialer
}

// NewClient validates cfg and returns a Client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("audiohook: client URL %q: want ws:// or wss://host/path", cfg.URL)
	}
	if !IsUUID(cfg.OrganizationID) || cfg.APIKey == "" {
		return nil, errors.New("audiohook: client needs an APIKey and an OrganizationID UUID")
	}
	cfg.HandshakeTimeout = durationOrDefault(cfg.HandshakeTimeout, 10*time.Second)
	cfg.OpenTimeout = durationOrDefault(cfg.OpenTimeout, DefaultOpenTimeout)
	cfg.CloseTimeout = durationOrDefault(cfg.CloseTimeout, DefaultCloseTimeout)
	cfg.FirstPing = durationOrDefault(cfg.FirstPing, DefaultFirstPing)
	cfg.PingInterval = durationOrDefault(cfg.PingInterval, DefaultPingInterval)
	cfg.FrameDuration = durationOrDefault(cfg.FrameDuration, DefaultFrameDuration)
	cfg.WriteTimeout = durationOrDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Client{
		cfg: cfg, u: u, log: log.With("component", "audiohook", "role", "client"),
		m: metricsOr(cfg.Metrics), clock: clockOr(cfg.Clock),
		dialer: websocket.Dialer{
			NetDialContext: cfg.DialContext, TLSClientConfig: cfg.TLSConfig,
			HandshakeTimeout: cfg.HandshakeTimeout, ReadBufferSize: 4096, WriteBufferSize: 4096,
		},
	}, nil
}

// OpenRequest describes a session to open.
type OpenRequest struct {
	ConversationID string
	Participant    Participant
	// Media is the offer; nil offers DefaultOffer.
	Media        []Media
	Language     string
	CustomConfig json.RawMessage
	// ContinuedSessions and StartPosition make a continued session: the
	// previous sessions, and the stream position this one starts at.
	ContinuedSessions []ContinuedSession
	StartPosition     time.Duration
	// SessionID and CorrelationID default to new UUIDs.
	SessionID     string
	CorrelationID string
}

// Continuation is what a continued session needs of the session it
// continues: its id and last sequence numbers, the position reached, and
// the position the server has acknowledged (the position of the last ping
// it answered: all audio before it was received).
type Continuation struct {
	SessionID     string
	ServerSeq     int64
	ClientSeq     int64
	Position      time.Duration
	AckedPosition time.Duration
}

// Continue returns r as a continued session of c, starting at from
// (c.AckedPosition to resend everything the server may have missed, or
// c.Position); the caller then resends its buffered audio from there.
func (r OpenRequest) Continue(c Continuation, from time.Duration) OpenRequest {
	r.ContinuedSessions = append(append([]ContinuedSession{}, r.ContinuedSessions...),
		ContinuedSession{ID: c.SessionID, ServerSeq: c.ServerSeq, ClientSeq: c.ClientSeq})
	r.StartPosition = from
	r.SessionID = ""
	return r
}

// Open dials the server, signs the upgrade, sends open and waits for
// opened (OpenTimeout). The session then streams until Close.
func (c *Client) Open(ctx context.Context, req OpenRequest) (*ClientSession, error) {
	if req.SessionID == "" {
		req.SessionID = NewUUID()
	}
	if req.CorrelationID == "" {
		req.CorrelationID = NewUUID()
	}
	if req.Media == nil {
		req.Media = DefaultOffer()
	}
	h, err := c.upgradeHeader(req)
	if err != nil {
		return nil, err
	}
	ws, resp, err := c.dialer.DialContext(ctx, c.u.String(), h)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
			err = fmt.Errorf("%w: HTTP %d", ErrRejected, resp.StatusCode)
			if resp.StatusCode == http.StatusUnauthorized {
				err = fmt.Errorf("%w: %w", err, ErrUnauthorized)
			}
		}
		return nil, fmt.Errorf("audiohook: dial %s: %w", c.u.Redacted(), err)
	}
	s := newClientSession(c, ws, req)
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// upgradeHeader builds the upgrade's headers, signed when a secret is set.
func (c *Client) upgradeHeader(req OpenRequest) (http.Header, error) {
	r := &http.Request{Method: http.MethodGet, URL: c.u, Host: c.u.Host, Header: http.Header{}}
	r.Header.Set(HeaderOrganizationID, c.cfg.OrganizationID)
	r.Header.Set(HeaderSessionID, req.SessionID)
	r.Header.Set(HeaderCorrelationID, req.CorrelationID)
	r.Header.Set(HeaderAPIKey, c.cfg.APIKey)
	if len(c.cfg.Secret) > 0 {
		now := c.clock.Now()
		if err := Sign(r, c.cfg.APIKey, c.cfg.Secret, NewNonce(), now, now.Add(30*time.Second)); err != nil {
			return nil, err
		}
	}
	return r.Header, nil
}
