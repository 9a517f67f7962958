package callgen

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/sdes"
	"github.com/cogito/cogito-edge/lab/tone"
)

// Direction is the call's direction as the contact center sees it.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"  // customer calls in; keys: UCID and ASAI UUI
	Outbound Direction = "outbound" // agent dials out; key: Genesys conversation id
)

// Config describes a run of the generator. Zero fields take the defaults
// noted on each field.
type Config struct {
	Target    string      // SRS SIP address host:port; required
	Transport string      // udp, tcp (default) or tls
	TLS       *tls.Config // client TLS for transport tls; nil trusts any certificate (lab)
	LocalIP   netip.Addr  // address for SIP and media; default 127.0.0.1

	Calls       int           // calls to place; default 1
	Concurrency int           // calls at once; default Calls
	Rate        float64       // new calls per second; 0 starts them as fast as Concurrency allows
	Duration    time.Duration // media time per call after activation; default 5s
	Direction   Direction     // default Inbound

	Codec tone.Codec    // PCMU (default) or PCMA
	Ptime time.Duration // packet interval; default 20ms
	SRTP  string        // SDES suite (see Suites); empty sends plain RTP
	// CorruptAuthEvery > 0 (with SRTP) spoils the authentication tag of
	// every CorruptAuthEvery-th packet of each leg; LegReport.Corrupted
	// counts them.
	CorruptAuthEvery int
	CustomerTone     float64 // Hz; default 440
	AgentTone        float64 // Hz; default 1000
	Amplitude        float64 // peak, fraction of full scale; default tone.DefaultAmplitude

	// CTIURL, when set, is the admin endpoint (e.g.
	// http://127.0.0.1:9090/v1/cti) to which each call posts its CTI start
	// event once answered inactive.
	CTIURL string
	// LateConversationID (outbound only) leaves x-inin-cnv out of the
	// INVITE and sends it in a metadata re-INVITE after the answer, as
	// Genesys may only know the conversation id then.
	LateConversationID bool
	// ConversationHeader also sends the conversation id in an X-Inin-Cnv
	// SIP header (outbound), besides the metadata.
	ConversationHeader bool

	AnswerTimeout     time.Duration // INVITE to final response; default 10s
	ActivationTimeout time.Duration // answer to activating re-INVITE; default 60s
	Workers           int           // RTP pacing workers; default min(4, GOMAXPROCS)

	// OnAnswered runs in the call's goroutine after the inactive answer was
	// checked and ACKed, before any CTI post: a test injects its CTI event
	// here. An error fails the call. Do not retain c past the call.
	OnAnswered func(ctx context.Context, c *Call) error
	// OnActivated runs after the activating re-INVITE is ACKed, as media
	// starts.
	OnActivated func(ctx context.Context, c *Call)

	Logger *slog.Logger // default slog.Default()
}

// Suites lists the SDES suites accepted in Config.SRTP.
func Suites() []string {
	var out []string
	for _, s := range sdes.Suites() {
		out = append(out, string(s))
	}
	return out
}

// withDefaults returns a validated copy of c with defaults applied.
func (c Config) withDefaults() (Config, error) {
	if c.Target == "" {
		return c, fmt.Errorf("%w: no target", ErrConfig)
	}
	if _, _, err := net.SplitHostPort(c.Target); err != nil {
		return c, fmt.Errorf("%w: target %q: %w", ErrConfig, c.Target, err)
	}
	c.Transport = strings.ToLower(c.Transport)
	switch c.Transport {
	case "":
		c.Transport = "tcp"
	case "udp", "tcp", "tls":
	default:
		return c, fmt.Errorf("%w: transport %q (want udp|tcp|tls)", ErrConfig, c.Transport)
	}
	if !c.LocalIP.IsValid() {
		c.LocalIP = netip.MustParseAddr("127.0.0.1")
	}
	if !c.LocalIP.Is4() {
		return c, fmt.Errorf("%w: local IP %v: only IPv4 is supported", ErrConfig, c.LocalIP)
	}
	if c.Calls <= 0 {
		c.Calls = 1
	}
	if c.Concurrency <= 0 || c.Concurrency > c.Calls {
		c.Concurrency = c.Calls
	}
	if c.Rate < 0 {
		return c, fmt.Errorf("%w: negative rate", ErrConfig)
	}
	if c.Duration <= 0 {
		c.Duration = 5 * time.Second
	}
	switch c.Direction {
	case "":
		c.Direction = Inbound
	case Inbound, Outbound:
	default:
		return c, fmt.Errorf("%w: direction %q (want inbound|outbound)", ErrConfig, c.Direction)
	}
	if c.Codec != tone.PCMU && c.Codec != tone.PCMA {
		return c, fmt.Errorf("%w: codec %d (want PCMU or PCMA)", ErrConfig, c.Codec)
	}
	if c.Ptime <= 0 {
		c.Ptime = 20 * time.Millisecond
	}
	if c.Ptime%time.Millisecond != 0 || c.Ptime > 100*time.Millisecond {
		return c, fmt.Errorf("%w: ptime %v (whole ms, at most 100ms)", ErrConfig, c.Ptime)
	}
	if c.SRTP != "" {
		if _, err := sdes.Suite(c.SRTP).Profile(); err != nil {
			return c, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if c.CustomerTone == 0 {
		c.CustomerTone = 440
	}
	if c.AgentTone == 0 {
		c.AgentTone = 1000
	}
	if c.CustomerTone < 0 || c.AgentTone < 0 || c.CustomerTone >= 4000 || c.AgentTone >= 4000 {
		return c, fmt.Errorf("%w: tones must be in (0, 4000) Hz", ErrConfig)
	}
	if c.LateConversationID && c.Direction != Outbound {
		return c, fmt.Errorf("%w: LateConversationID needs an outbound call", ErrConfig)
	}
	if c.AnswerTimeout <= 0 {
		c.AnswerTimeout = 10 * time.Second
	}
	if c.ActivationTimeout <= 0 {
		c.ActivationTimeout = 60 * time.Second
	}
	c.Workers = c.workersOrDefault()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// workersOrDefault returns Workers, or one pacing worker per CPU up to 4:
// a worker per core keeps every core sending without the workers
// contending for one.
func (c Config) workersOrDefault() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return min(4, runtime.GOMAXPROCS(0))
}

// samplesPerPacket returns the G.711 samples (= bytes) in one packet.
func (c Config) samplesPerPacket() int {
	return int(c.Ptime * tone.SampleRate / time.Second)
}
