package srstest

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/lab/internal/sdes"
	"github.com/cogito/cogito-edge/lab/tone"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Session is one recording session as the fake SRS saw it.
type Session struct {
	srs      *SRS
	CallID   string
	Invite   *sip.Request // the recording INVITE
	Metadata []byte       // its rs-metadata part
	Legs     [2]*Leg
	dialog   *sipgo.DialogServerSession
	contact  sip.Uri
	keys     [2]string // our a=crypto values, for SDES offers
	active   atomic.Bool
	version  atomic.Int64

	Answered  chan struct{} // closed when the answer was ACKed
	Activated chan struct{} // closed when the activating re-INVITE was ACKed
	Ended     chan struct{} // closed on BYE

	mu        sync.Mutex // guards the fields below
	updates   [][]byte   // metadata of the SBC's re-INVITEs
	reinvites []string   // SDP answers the SBC gave to our re-INVITEs
	endOnce   sync.Once
}

// Updates returns the metadata bodies of the SBC's re-INVITEs.
func (s *Session) Updates() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.updates...)
}

// ActivationAnswer returns the SBC's SDP answer to our re-INVITE.
func (s *Session) ActivationAnswer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reinvites) == 0 {
		return ""
	}
	return s.reinvites[0]
}

// newSession allocates two contiguous ports and starts receiving.
func (s *SRS) newSession(req *sip.Request, offer []mline, meta []byte) (*Session, error) {
	if len(offer) != 2 {
		return nil, fmt.Errorf("want 2 m-lines, got %d", len(offer))
	}
	a, b, err := listenPair(s.cfg.IP)
	if err != nil {
		return nil, err
	}
	sess := &Session{
		srs: s, CallID: req.CallID().Value(), Invite: req, Metadata: meta,
		Answered: make(chan struct{}), Activated: make(chan struct{}), Ended: make(chan struct{}),
	}
	if c := req.Contact(); c != nil {
		sess.contact = *c.Address.Clone()
	}
	for i, conn := range []*net.UDPConn{a, b} {
		m := offer[i]
		l := &Leg{
			conn: conn, Port: conn.LocalAddr().(*net.UDPAddr).Port, Label: m.label,
			Peer:   netip.AddrPortFrom(m.addr, uint16(m.port)),
			active: &sess.active, done: make(chan struct{}),
			sources: map[netip.AddrPort]int{}, ssrcs: map[uint32]int{}, codec: tone.Codec(m.pt),
		}
		if len(m.crypto) > 0 {
			theirs, err := sdes.ParseCrypto(m.crypto[0])
			if err == nil {
				l.srtp, err = theirs.Context()
			}
			if err != nil {
				a.Close()
				b.Close()
				return nil, err
			}
			ours, _ := sdes.NewCrypto(theirs.Tag, theirs.Suite)
			sess.keys[i] = ours.String()
		}
		sess.Legs[i] = l
		go l.receive()
	}
	return sess, nil
}

// sdp renders our SDP with every m-line in dir.
func (s *Session) sdp(dir string) []byte {
	legs := make([]answerLeg, 2)
	for i, l := range s.Legs {
		legs[i] = answerLeg{port: l.Port, label: l.Label, pt: uint8(l.codec), crypto: s.keys[i]}
	}
	return buildSDP(s.srs.cfg.IP, int(s.version.Add(1)), legs, dir)
}

// activate sends the recvonly re-INVITE and accepts media once the SBC's
// answer is ACKed.
func (s *Session) activate(ctx context.Context) error {
	if err := s.Reinvite(ctx, "recvonly"); err != nil {
		return err
	}
	close(s.Activated)
	return nil
}

// Reinvite offers every m-line with dir (recvonly activates, inactive
// holds), retrying on 491 after 0-2 s as the side that does not own the
// Call-ID (RFC 3261 §14.1). Media is accepted while the last offer was
// recvonly.
func (s *Session) Reinvite(ctx context.Context, dir string) error {
	// The answer's transaction must be over: the dialog is not safe to use
	// while the INVITE handler still holds it.
	select {
	case <-s.Answered:
	case <-ctx.Done():
		return ctx.Err()
	}
	for attempt := 0; attempt < 5; attempt++ {
		req := sip.NewRequest(sip.INVITE, *s.contact.Clone())
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(s.sdp(dir))
		res, err := s.dialog.Do(ctx, req)
		if err != nil {
			return fmt.Errorf("srstest: re-INVITE: %w", err)
		}
		if res.StatusCode == 491 {
			select {
			case <-time.After(mrand.N(2 * time.Second)):
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if !res.IsSuccess() {
			return fmt.Errorf("srstest: re-INVITE answered %d", res.StatusCode)
		}
		s.mu.Lock()
		s.reinvites = append(s.reinvites, string(res.Body()))
		s.mu.Unlock()
		// Decide before the ACK: the SBC may send as soon as it sees it.
		s.active.Store(dir == "recvonly")
		ack := sip.NewRequest(sip.ACK, *s.contact.Clone())
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: res.CSeq().SeqNo, MethodName: sip.ACK})
		if err := s.dialog.WriteRequest(ack); err != nil {
			return fmt.Errorf("srstest: ACK: %w", err)
		}
		return nil
	}
	return fmt.Errorf("srstest: re-INVITE kept getting 491")
}

// Hangup sends BYE to the SBC.
func (s *Session) Hangup(ctx context.Context) error {
	defer s.end()
	select {
	case <-s.Answered:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.dialog.Bye(ctx)
}

func (s *Session) end() {
	s.endOnce.Do(func() { close(s.Ended) })
}

func (s *Session) closeLegs() {
	for _, l := range s.Legs {
		l.close()
	}
}
