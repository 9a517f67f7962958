package callgen

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/sdes"
	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Roles of the two legs.
const (
	RoleCustomer = "customer"
	RoleAgent    = "agent"
)

// Call is one recording session placed by a Generator. Its identity (keys,
// labels, Call-ID) is fixed at creation; what it observes is read with Report.
type Call struct {
	g       *Generator
	n       int
	callID  string
	origID  string // Call-ID of the recorded call, as the SBC reports it
	dir     Direction
	keys    Keys
	labels  [2]string
	roles   [2]string
	tones   [2]float64
	numbers [2]string // caller, callee
	legs    [2]*leg
	crypto  [2]*sdes.Crypto
	sessID  uint64
	sdpVer  atomic.Uint64

	ownInvite atomic.Bool   // our re-INVITE is in flight: answer theirs 491
	activated chan struct{} // closed when the first activation is ACKed
	ended     chan struct{} // closed when the SRS sends BYE
	actOnce   sync.Once
	endOnce   sync.Once

	mu      sync.Mutex // guards the fields below
	sess    *sipgo.DialogClientSession
	pending *pendingAck
	rep     CallReport
	started bool // legs handed to the pacer
}

// pendingAck is an answered re-INVITE whose media change waits for its ACK.
type pendingAck struct {
	cseq   uint32
	active [2]bool
	dest   [2]netip.AddrPort
}

// newCall allocates a call: fresh keys and labels, two bound RTP sockets.
func (g *Generator) newCall() (*Call, error) {
	n := int(g.seq.Add(1))
	now := time.Now()
	keys, labels := g.keys.next(g.cfg.Direction, now)
	c := &Call{
		g:         g,
		n:         n,
		callID:    fmt.Sprintf("%s@%s", newUUID(), g.cfg.LocalIP),
		origID:    fmt.Sprintf("wlss-%08x-%s@%s", mrand.Uint32(), strings.ReplaceAll(newUUID()[:13], "-", ""), g.cfg.LocalIP),
		dir:       g.cfg.Direction,
		keys:      keys,
		labels:    labels,
		sessID:    mrand.Uint64N(1 << 40),
		activated: make(chan struct{}),
		ended:     make(chan struct{}),
	}
	customer := fmt.Sprintf("+1919555%04d", n%10000)
	agent := fmt.Sprintf("+1800555%04d", n%10000)
	if c.dir == Inbound {
		c.roles = [2]string{RoleCustomer, RoleAgent}
		c.tones = [2]float64{g.cfg.CustomerTone, g.cfg.AgentTone}
		c.numbers = [2]string{customer, agent}
	} else {
		c.roles = [2]string{RoleAgent, RoleCustomer}
		c.tones = [2]float64{g.cfg.AgentTone, g.cfg.CustomerTone}
		c.numbers = [2]string{agent, customer}
	}
	spp := g.cfg.samplesPerPacket()
	total := uint64(g.cfg.Duration / g.cfg.Ptime)
	for i := range c.legs {
		if g.cfg.SRTP != "" {
			k, err := sdes.NewCrypto(1, sdes.Suite(g.cfg.SRTP))
			if err != nil {
				c.close()
				return nil, err
			}
			c.crypto[i] = &k
		}
		table := g.tables.get(tone.Tone{Freq: c.tones[i], Amplitude: g.cfg.Amplitude}, g.cfg.Codec, spp)
		var err error
		if c.legs[i], err = c.openLeg(table, total, i); err != nil {
			c.close()
			return nil, err
		}
	}
	c.rep = CallReport{N: n, CallID: c.callID, Direction: c.dir, Keys: keys, Labels: labels}
	return c, nil
}

func (c *Call) openLeg(table *payloadTable, total uint64, i int) (*leg, error) {
	if c.crypto[i] == nil {
		return newLeg(c.g.cfg.LocalIP, table, c.g.cfg.Codec.PayloadType(), total, nil)
	}
	ctx, err := c.crypto[i].Context()
	if err != nil {
		return nil, err
	}
	l, err := newLeg(c.g.cfg.LocalIP, table, c.g.cfg.Codec.PayloadType(), total, ctx)
	if err == nil {
		l.corruptEvery = uint64(c.g.cfg.CorruptAuthEvery)
	}
	return l, err
}

// Keys returns the match keys the call carries.
func (c *Call) Keys() Keys { return c.keys }

// CallID returns the SIP Call-ID of the recording dialog.
func (c *Call) CallID() string { return c.callID }

// Labels returns the SDP labels of the caller's and the callee's streams.
func (c *Call) Labels() [2]string { return c.labels }

// Direction returns the call's direction.
func (c *Call) Direction() Direction { return c.dir }

// Report returns a snapshot of what the call has observed so far.
func (c *Call) Report() CallReport {
	c.mu.Lock()
	r := c.rep
	r.Violations = append([]string(nil), r.Violations...)
	c.mu.Unlock()
	for i, l := range c.legs {
		if l == nil {
			continue
		}
		lr := LegReport{
			Role:       c.roles[i],
			Label:      c.labels[i],
			Tone:       c.tones[i],
			Local:      l.local.String(),
			SSRC:       l.ssrc,
			Packets:    l.stats.packets.Load(),
			Bytes:      l.stats.bytes.Load(),
			SendErrors: l.stats.sendErrors.Load(),
			Late:       l.stats.late.Load(),
			Skipped:    l.stats.skipped.Load(),
			Corrupted:  l.stats.corrupted.Load(),
		}
		if d := l.dst.Load(); d != nil {
			lr.Remote = d.String()
		}
		if c.crypto[i] != nil {
			lr.SRTP = string(c.crypto[i].Suite)
		}
		if t := l.stats.start.Load(); t != 0 {
			lr.Start = time.Unix(0, t)
		}
		if t := l.stats.stop.Load(); t != 0 {
			lr.Stop = time.Unix(0, t)
		}
		r.Legs[i] = lr
	}
	return r
}

func (c *Call) violate(format string, args ...any) {
	c.mu.Lock()
	c.rep.Violations = append(c.rep.Violations, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

func (c *Call) violations() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.rep.Violations)
}

// sdpLegs returns our m-lines with their directions; tags are the SRS's
// chosen crypto tags (zero: offer tag 1).
func (c *Call) sdpLegs(dirs [2]string, tags [2]int) [2]sdpLeg {
	var out [2]sdpLeg
	for i, l := range c.legs {
		out[i] = sdpLeg{port: int(l.local.Port()), label: c.labels[i], dir: dirs[i]}
		if k := c.crypto[i]; k != nil {
			kc := *k
			if tags[i] > 0 {
				kc.Tag = tags[i]
			}
			out[i].crypto = &kc
		}
	}
	return out
}

// offer builds the multipart INVITE body; withConv puts x-inin-cnv in the
// metadata (outbound).
func (c *Call) offer(withConv bool) (sdp, body []byte) {
	cfg := c.g.cfg
	legs := c.sdpLegs([2]string{dirSendOnly, dirSendOnly}, [2]int{})
	sdp = buildSDP(cfg.LocalIP, c.sessID, c.sdpVer.Add(1), legs, cfg.Codec, cfg.Ptime)
	m := metadata{
		session:  oracleID(),
		labels:   c.labels,
		streams:  [2]string{oracleID(), oracleID()},
		at:       time.Now(),
		datamode: "complete",
	}
	if c.dir == Inbound {
		m.ucid = c.keys.UCID
	}
	for i := range m.parties {
		m.parties[i] = party{
			id:     oracleID(),
			aor:    fmt.Sprintf("sip:%s@%s", c.numbers[i], []string{"carrier.lab", "cc.lab"}[i]),
			name:   c.numbers[i],
			stream: m.streams[i],
		}
	}
	m.parties[0].calling = true
	m.parties[0].headers = map[string]string{"Call-ID": c.origID}
	if c.dir == Inbound {
		m.parties[0].headers["User-to-User"] = c.keys.UUI + ";encoding=hex"
	} else if withConv {
		m.parties[0].headers["x-inin-cnv"] = c.keys.ConversationID
	}
	return sdp, multipartBody(sdp, m.marshal())
}

// close releases the legs' sockets once the pacer is done with them.
func (c *Call) close() {
	c.mu.Lock()
	started := c.started
	c.mu.Unlock()
	for _, l := range c.legs {
		if l == nil {
			continue
		}
		l.stop.Store(true)
		if started {
			<-l.done
		}
		l.close()
	}
}

// endedBySRS records a BYE from the SRS; safe to call more than once.
func (c *Call) endedBySRS() {
	c.endOnce.Do(func() {
		c.mu.Lock()
		c.rep.EndedBy = "srs"
		c.rep.EndedAt = time.Now()
		c.mu.Unlock()
		for _, l := range c.legs {
			l.stop.Store(true)
		}
		close(c.ended)
	})
}

// errResponse turns a dialog error into ErrRejected with the status.
func errResponse(err error) error {
	var de *sipgo.ErrDialogResponse
	if errors.As(err, &de) {
		return fmt.Errorf("%w: %d %s", ErrRejected, de.Res.StatusCode, de.Res.Reason)
	}
	return err
}

// headerValue returns a header's value or "".
func headerValue(m interface{ GetHeader(string) sip.Header }, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}
