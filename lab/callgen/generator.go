package callgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/selfsigned"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Generator is one SBC: a SIP user agent on one local address that places
// recording calls to the target SRS and serves the SRS's in-dialog requests
// (re-INVITE, ACK, BYE). New only validates; Start binds and serves; Close
// is idempotent.
type Generator struct {
	cfg   Config
	log   *slog.Logger
	keys  *keyGen
	pacer *pacer
	httpc *http.Client

	tables tableCache

	// Set by Start.
	ua       *sipgo.UserAgent
	server   *sipgo.Server
	dialogs  *sipgo.DialogUA
	contact  sip.ContactHeader
	target   sip.Uri
	addr     netip.AddrPort
	listener io.Closer
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	calls struct {
		sync.Mutex // guards m
		m          map[string]*Call
	}
	seq     atomic.Int64
	started atomic.Bool
	closed  atomic.Bool
	once    sync.Once
}

// New validates cfg and returns a Generator ready to Start.
func New(cfg Config) (*Generator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Generator{
		cfg:   cfg,
		log:   cfg.Logger.With("component", "callgen"),
		keys:  newKeyGen(),
		pacer: newPacer(cfg.Workers, cfg.Ptime),
		httpc: &http.Client{Timeout: 5 * time.Second},
	}
	g.calls.m = make(map[string]*Call)
	host, port, _ := net.SplitHostPort(cfg.Target)
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return nil, fmt.Errorf("%w: target port %q", ErrConfig, port)
	}
	g.target = sip.Uri{Scheme: "sip", User: "srs", Host: host, Port: p}
	if cfg.Transport != "udp" {
		g.target.UriParams = params("transport", cfg.Transport)
	}
	return g, nil
}

// Start binds the SIP listener on LocalIP (an ephemeral port), starts
// serving in-dialog requests and starts the RTP pacing workers. The
// generator runs until ctx ends or Close is called.
func (g *Generator) Start(ctx context.Context) error {
	if g.closed.Load() {
		return ErrClosed
	}
	if !g.started.CompareAndSwap(false, true) {
		return errors.New("callgen: already started")
	}
	ctx, g.cancel = context.WithCancel(ctx)
	if err := g.listen(ctx); err != nil {
		g.cancel()
		return err
	}
	g.pacer.start(ctx)
	return nil
}

// listen opens the listener for the configured transport and wires sipgo.
func (g *Generator) listen(ctx context.Context) error {
	local := netip.AddrPortFrom(g.cfg.LocalIP, 0).String()
	uaOpts := []sipgo.UserAgentOption{
		sipgo.WithUserAgent("cogito-lab-callgen"),
		sipgo.WithUserAgentHostname(g.cfg.LocalIP.String()),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(g.log)),
	}
	clientTLS := g.cfg.TLS
	if clientTLS == nil {
		clientTLS = &tls.Config{InsecureSkipVerify: true} // lab default: the SRS cert is self-signed
	}
	uaOpts = append(uaOpts, sipgo.WithUserAgenTLSConfig(clientTLS))
	ua, err := sipgo.NewUA(uaOpts...)
	if err != nil {
		return fmt.Errorf("callgen: user agent: %w", err)
	}
	g.ua = ua
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(g.log))
	if err != nil {
		ua.Close()
		return fmt.Errorf("callgen: server: %w", err)
	}
	g.server = srv
	g.handle(srv)

	var serve func() error
	switch g.cfg.Transport {
	case "udp":
		pc, err := net.ListenPacket("udp4", local)
		if err != nil {
			ua.Close()
			return fmt.Errorf("callgen: listen: %w", err)
		}
		g.listener, g.addr = pc, pc.LocalAddr().(*net.UDPAddr).AddrPort()
		serve = func() error { return srv.ServeUDP(pc) }
	case "tcp", "tls":
		l, err := net.Listen("tcp4", local)
		if err != nil {
			ua.Close()
			return fmt.Errorf("callgen: listen: %w", err)
		}
		g.listener, g.addr = l, l.Addr().(*net.TCPAddr).AddrPort()
		serve = func() error { return srv.ServeTCP(l) }
		if g.cfg.Transport == "tls" {
			conf, err := selfsigned.ServerConfig(g.cfg.LocalIP.String())
			if err != nil {
				l.Close()
				ua.Close()
				return fmt.Errorf("callgen: certificate: %w", err)
			}
			tl := tls.NewListener(l, conf)
			serve = func() error { return srv.ServeTLS(tl) }
		}
	}
	clientOpts := []sipgo.ClientOption{
		sipgo.WithClientLogger(g.log),
		sipgo.WithClientHostname(g.cfg.LocalIP.String()),
	}
	if g.cfg.Transport == "udp" {
		// Send from the listening socket, like an SBC: the SRS then sees
		// requests come from the address in our Via and Contact.
		clientOpts = append(clientOpts, sipgo.WithClientConnectionAddr(g.addr.String()))
	}
	client, err := sipgo.NewClient(ua, clientOpts...)
	if err != nil {
		g.listener.Close()
		ua.Close()
		return fmt.Errorf("callgen: client: %w", err)
	}
	g.contact = sip.ContactHeader{
		Address: sip.Uri{Scheme: "sip", User: "acmeSrc", Host: g.addr.Addr().String(), Port: int(g.addr.Port()),
			UriParams: params("transport", g.cfg.Transport)},
		Params: params("+sip.src", ""),
	}
	g.dialogs = &sipgo.DialogUA{Client: client, ContactHDR: g.contact}

	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := serve(); err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
			g.log.Error("SIP listener stopped", "error", err)
		}
	}()
	if g.cfg.Transport == "udp" {
		// The client sends through the pooled connection registered under
		// the listener's address. Once the serve goroutine has registered
		// its own, replace it with one that sends messages of any size.
		deadline := time.Now().Add(5 * time.Second)
		for {
			if c, _ := ua.TransportLayer().GetConnection("udp", g.addr.String()); c != nil {
				c.TryClose()
				break
			}
			if time.Now().After(deadline) {
				return errors.New("callgen: UDP listener did not come up")
			}
			time.Sleep(time.Millisecond)
		}
		ua.TransportLayer().Pool("udp").Add(g.addr.String(), &bigUDPConn{pc: g.listener.(net.PacketConn)})
	}
	return nil
}

// Addr returns the local SIP address (valid after Start).
func (g *Generator) Addr() netip.AddrPort { return g.addr }

// Close stops serving, ends media and releases sockets. Calls still running
// fail. It is idempotent.
func (g *Generator) Close() error {
	g.closed.Store(true)
	g.once.Do(func() {
		if g.cancel != nil {
			g.cancel()
		}
		if g.listener != nil {
			g.listener.Close()
		}
		if g.ua != nil {
			g.ua.Close()
		}
		g.wg.Wait()
		g.pacer.wait()
	})
	return nil
}

func (g *Generator) register(c *Call) {
	g.calls.Lock()
	g.calls.m[c.callID] = c
	g.calls.Unlock()
}

func (g *Generator) unregister(c *Call) {
	g.calls.Lock()
	delete(g.calls.m, c.callID)
	g.calls.Unlock()
}

func (g *Generator) lookup(req *sip.Request) *Call {
	id := req.CallID()
	if id == nil {
		return nil
	}
	g.calls.Lock()
	defer g.calls.Unlock()
	return g.calls.m[strings.TrimSpace(id.Value())]
}

// sipTransport is the transport name sipgo uses on requests.
func (g *Generator) sipTransport() string { return strings.ToUpper(g.cfg.Transport) }

// params builds SIP header parameters from key, value pairs.
func params(kv ...string) sip.HeaderParams {
	p := sip.NewParams()
	for i := 0; i+1 < len(kv); i += 2 {
		p.Add(kv[i], kv[i+1])
	}
	return p
}
