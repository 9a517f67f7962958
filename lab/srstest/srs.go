// Package srstest is a minimal SIPREC recording server used as a test peer
// for the lab's SBC tools (callgen, the SIPp scenarios). It answers a
// recording INVITE inactive on two contiguous ports with labels echoed,
// activates with a recvonly re-INVITE (on request or after a delay), and
// records what arrives on each port: packets before activation, sources,
// SSRCs and decoded audio. It is not the appliance and checks only what the
// lab's tests need.
package srstest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/selfsigned"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Config configures the SRS.
type Config struct {
	Transport string     // udp, tcp or tls
	IP        netip.Addr // default 127.0.0.1
	// AutoActivate, when positive, re-INVITEs that long after the ACK of
	// the answer; otherwise tests call Activate.
	AutoActivate time.Duration
	// Glare491 answers the SBC's first N re-INVITEs with 491.
	Glare491 int
	// AnswerDir is the direction of the initial answer; default inactive
	// (anything else breaks the contract, for negative tests).
	AnswerDir string
	Logger    *slog.Logger
}

// SRS is the fake recording server.
type SRS struct {
	cfg      Config
	log      *slog.Logger
	ua       *sipgo.UserAgent
	dialogs  *sipgo.DialogUA
	listener io.Closer
	addr     netip.AddrPort
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	sessions map[string]*Session
	glare    int
	newSess  chan struct{} // closed and replaced when a session appears
}

// Start listens on an ephemeral port and serves until Close.
func Start(cfg Config) (*SRS, error) {
	if !cfg.IP.IsValid() {
		cfg.IP = netip.MustParseAddr("127.0.0.1")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &SRS{cfg: cfg, log: cfg.Logger, sessions: map[string]*Session{}, glare: cfg.Glare491, newSess: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("srstest"), sipgo.WithUserAgentHostname(cfg.IP.String()),
		sipgo.WithUserAgenTLSConfig(&tls.Config{InsecureSkipVerify: true}),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(s.log)))
	if err != nil {
		return nil, err
	}
	s.ua = ua
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(s.log))
	local := netip.AddrPortFrom(cfg.IP, 0).String()
	var serve func() error
	switch strings.ToLower(cfg.Transport) {
	case "udp":
		pc, err := net.ListenPacket("udp4", local)
		if err != nil {
			ua.Close()
			return nil, err
		}
		s.listener, s.addr = pc, pc.LocalAddr().(*net.UDPAddr).AddrPort()
		serve = func() error { return srv.ServeUDP(pc) }
	case "tcp", "tls":
		l, err := net.Listen("tcp4", local)
		if err != nil {
			ua.Close()
			return nil, err
		}
		s.listener, s.addr = l, l.Addr().(*net.TCPAddr).AddrPort()
		serve = func() error { return srv.ServeTCP(l) }
		if strings.EqualFold(cfg.Transport, "tls") {
			conf, err := selfsigned.ServerConfig(cfg.IP.String())
			if err != nil {
				l.Close()
				ua.Close()
				return nil, err
			}
			tl := tls.NewListener(l, conf)
			serve = func() error { return srv.ServeTLS(tl) }
		}
	default:
		ua.Close()
		return nil, fmt.Errorf("srstest: transport %q", cfg.Transport)
	}
	opts := []sipgo.ClientOption{sipgo.WithClientHostname(cfg.IP.String()), sipgo.WithClientLogger(s.log)}
	if strings.EqualFold(cfg.Transport, "udp") {
		opts = append(opts, sipgo.WithClientConnectionAddr(s.addr.String()))
	}
	client, err := sipgo.NewClient(ua, opts...)
	if err != nil {
		s.listener.Close()
		ua.Close()
		return nil, err
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "srs", Host: s.addr.Addr().String(), Port: int(s.addr.Port())}}
	contact.Address.UriParams = sip.NewParams()
	contact.Address.UriParams.Add("transport", strings.ToLower(cfg.Transport))
	contact.Params = sip.NewParams()
	contact.Params.Add("+sip.srs", "")
	s.dialogs = &sipgo.DialogUA{Client: client, ContactHDR: contact}
	s.handle(srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := serve(); err != nil && !errors.Is(err, net.ErrClosed) && s.ctx.Err() == nil {
			s.log.Error("serve", "error", err)
		}
	}()
	if strings.EqualFold(cfg.Transport, "udp") {
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			if c, _ := ua.TransportLayer().GetConnection("udp", s.addr.String()); c != nil {
				break
			}
			if time.Now().After(deadline) {
				s.Close()
				return nil, errors.New("srstest: UDP listener did not come up")
			}
		}
	}
	return s, nil
}

// Addr returns the SIP address to send INVITEs to.
func (s *SRS) Addr() netip.AddrPort { return s.addr }

// Close stops the server and every session's receivers.
func (s *SRS) Close() {
	s.cancel()
	s.listener.Close()
	s.ua.Close()
	s.wg.Wait()
	s.mu.Lock()
	sessions := s.sessions
	s.sessions = map[string]*Session{}
	s.mu.Unlock()
	for _, sess := range sessions {
		sess.closeLegs()
	}
}

// Session returns the session with the Call-ID, waiting for it to appear.
func (s *SRS) Session(ctx context.Context, callID string) (*Session, error) {
	for {
		s.mu.Lock()
		sess, ok := s.sessions[callID]
		wait := s.newSess
		s.mu.Unlock()
		if ok {
			return sess, nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("srstest: no session %q: %w", callID, ctx.Err())
		}
	}
}

// Sessions returns every session seen so far.
func (s *SRS) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, sess)
	}
	return out
}

// Activate re-INVITEs the session recvonly and, once the SBC's 200 is
// ACKed, accepts its media.
func (s *SRS) Activate(ctx context.Context, callID string) error {
	sess, err := s.Session(ctx, callID)
	if err != nil {
		return err
	}
	return sess.activate(ctx)
}

func (s *SRS) addSession(sess *Session) {
	s.mu.Lock()
	s.sessions[sess.CallID] = sess
	close(s.newSess)
	s.newSess = make(chan struct{})
	s.mu.Unlock()
}

func (s *SRS) lookup(req *sip.Request) *Session {
	if req.CallID() == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[req.CallID().Value()]
}

// takeGlare reports whether the next SBC re-INVITE gets a 491.
func (s *SRS) takeGlare() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.glare > 0 {
		s.glare--
		return true
	}
	return false
}
