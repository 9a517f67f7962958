package callgen

import (
	"net/netip"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/sdes"
	"github.com/emiago/sipgo/sip"
)

// onReinvite answers the SRS's re-INVITE. recvonly (or sendrecv) m-lines
// are answered sendonly and start or resume that leg once the ACK arrives;
// inactive ones are answered inactive and pause it (hold).
func (c *Call) onReinvite(req *sip.Request, tx sip.ServerTransaction) {
	if c.ownInvite.Load() {
		// RFC 3261 §14.2: our own re-INVITE is pending.
		respond(tx, req, 491, "Request Pending", nil, nil)
		return
	}
	c.mu.Lock()
	c.rep.Reinvites++
	c.mu.Unlock()
	ms, err := parseSDP(req.Body())
	if err != nil || len(ms) != len(c.legs) {
		c.violate("re-INVITE SDP: %d m-lines, %v", len(ms), err)
		respond(tx, req, 488, "Not Acceptable Here", nil, nil)
		return
	}
	var (
		p        = pendingAck{cseq: req.CSeq().SeqNo}
		dirs     [2]string
		tags     [2]int
		activate bool
	)
	for i, m := range ms {
		if m.label != c.labels[i] {
			c.violate("re-INVITE m-line %d label %q, want %q", i+1, m.label, c.labels[i])
		}
		switch m.dir {
		case dirRecvOnly, dirSendRecv:
			if m.dir == dirSendRecv {
				c.violate("re-INVITE m-line %d is sendrecv, want recvonly", i+1)
			}
			p.active[i], dirs[i], activate = true, dirSendOnly, true
		default:
			dirs[i] = dirInactive
		}
		if p.active[i] && (!m.addr.IsValid() || m.port == 0) {
			c.violate("re-INVITE m-line %d has no media address", i+1)
			respond(tx, req, 488, "Not Acceptable Here", nil, nil)
			return
		}
		p.dest[i] = m.dest()
		if c.crypto[i] != nil {
			tag, ok := pickCrypto(m.crypto, c.crypto[i].Suite)
			if !ok {
				c.violate("re-INVITE m-line %d offers no %s key", i+1, c.crypto[i].Suite)
				respond(tx, req, 488, "Not Acceptable Here", nil, nil)
				return
			}
			tags[i] = tag
		}
	}
	answer := c.answerSDP(dirs, tags)
	c.mu.Lock()
	if activate && c.rep.ReinviteSDP == "" {
		c.rep.ReinviteSDP = string(req.Body())
	}
	c.pending = &p
	c.mu.Unlock()
	respond(tx, req, 200, "OK", answer, []sip.Header{
		sip.NewHeader("Content-Type", "application/sdp"),
		sip.HeaderClone(&c.g.contact),
	})
}

// answerSDP renders our answer with one direction per leg.
func (c *Call) answerSDP(dirs [2]string, tags [2]int) []byte {
	cfg := c.g.cfg
	return buildSDP(cfg.LocalIP, c.sessID, c.sdpVer.Add(1), c.sdpLegs(dirs, tags), cfg.Codec, cfg.Ptime)
}

// pickCrypto returns the tag of the offered key using suite.
func pickCrypto(offered []string, suite sdes.Suite) (int, bool) {
	for _, v := range offered {
		if k, err := sdes.ParseCrypto(v); err == nil && k.Suite == suite {
			return k.Tag, true
		}
	}
	return 0, false
}

// onAck applies the media change of the re-INVITE it acknowledges. The
// first activation hands the legs to the pacer: RTP flows only after the
// SRS's ACK, as the contract demands.
func (c *Call) onAck(req *sip.Request) {
	cseq := req.CSeq()
	c.mu.Lock()
	p := c.pending
	if p == nil || cseq == nil || cseq.SeqNo != p.cseq {
		c.mu.Unlock()
		return
	}
	c.pending = nil
	start := false
	if (p.active[0] || p.active[1]) && !c.started {
		c.started, start = true, true
		c.rep.ActivatedAt = time.Now()
	}
	c.mu.Unlock()
	for i, l := range c.legs {
		if p.active[i] {
			d := netip.AddrPortFrom(p.dest[i].Addr(), p.dest[i].Port())
			l.dst.Store(&d)
		}
		l.paused.Store(!p.active[i])
	}
	if start {
		for _, l := range c.legs {
			c.g.pacer.add(l)
		}
		c.actOnce.Do(func() { close(c.activated) })
	}
}

// onBye answers the SRS's BYE and stops media.
func (c *Call) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c.mu.Lock()
	sess := c.sess
	c.mu.Unlock()
	if sess == nil || sess.ReadBye(req, tx) != nil {
		respond(tx, req, 200, "OK", nil, nil)
	}
	c.endedBySRS()
}
