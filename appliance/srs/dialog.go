package srs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// dialog is the SIP dialog of one recording session, seen from our side (we
// are the UAS of the SBC's INVITE and the UAC of our own re-INVITEs and BYE).
// It builds in-dialog requests per RFC 3261 §12.2.1 and enforces §14.1: one
// INVITE transaction at a time in each direction.
type dialog struct {
	id        string
	callID    sip.CallIDHeader
	local     sip.FromHeader // our identity and tag, the From of our requests
	remote    sip.ToHeader   // the SBC's identity and tag, the To of our requests
	routes    []string       // Record-Route values of the INVITE, in order (UAS route set)
	transport string         // UDP, TCP or TLS, as the INVITE arrived
	source    string         // where the INVITE came from; reused for TCP/TLS
	contact   sip.ContactHeader
	// udpListener is our UDP listening socket's address, which our UDP
	// requests are sent from (zero for TCP and TLS dialogs).
	udpListener sip.Addr

	mu           sync.Mutex // guards the fields below
	remoteTarget sip.Uri
	localSeq     uint32
	remoteSeq    uint32
	ourInvite    bool          // our re-INVITE is in flight
	theirInvite  bool          // an SBC INVITE is answered but not yet ACKed
	ackSeq       uint32        // its CSeq: the ACK must carry it, whatever came since
	ack          chan struct{} // closed when the SBC's current INVITE is ACKed
	ended        bool
}

// newDialog builds the UAS dialog for an initial INVITE. localTag is our To tag.
func newDialog(req *sip.Request, localTag string, contact sip.ContactHeader) (*dialog, error) {
	from, to, cid, cseq := req.From(), req.To(), req.CallID(), req.CSeq()
	if from == nil || to == nil || cid == nil || cseq == nil {
		return nil, fmt.Errorf("srs: INVITE lacks From, To, Call-ID or CSeq")
	}
	remoteTag, _ := from.Params.Get("tag")
	if remoteTag == "" {
		return nil, fmt.Errorf("srs: INVITE From has no tag")
	}
	d := &dialog{
		callID:      *cid,
		transport:   req.Transport(),
		source:      req.Source(),
		contact:     contact,
		remoteSeq:   cseq.SeqNo,
		localSeq:    rand.Uint32N(1 << 15),
		ack:         make(chan struct{}),
		theirInvite: true,
		ackSeq:      cseq.SeqNo,
	}
	d.local = sip.FromHeader{DisplayName: to.DisplayName, Address: to.Address, Params: to.Params.Clone()}
	d.local.Params.Add("tag", localTag)
	d.remote = sip.ToHeader{DisplayName: from.DisplayName, Address: from.Address, Params: from.Params.Clone()}
	d.id = sip.DialogIDMake(string(*cid), localTag, remoteTag)
	if c := req.Contact(); c != nil {
		d.remoteTarget = c.Address
	} else {
		d.remoteTarget = from.Address
	}
	for _, h := range req.GetHeaders("Record-Route") {
		d.routes = append(d.routes, splitHeaderList(h.Value())...)
	}
	return d, nil
}

// toTag returns our tag, for the To header of our responses.
func (d *dialog) toTag() string {
	t, _ := d.local.Params.Get("tag")
	return t
}

// acceptRemote checks an in-dialog request's CSeq (RFC 3261 §12.2.2) and
// updates the remote target on a target refresh (re-INVITE, UPDATE).
func (d *dialog) acceptRemote(req *sip.Request) error {
	cseq := req.CSeq()
	if cseq == nil {
		return fmt.Errorf("srs: request lacks CSeq")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ended {
		return ErrDialogGone
	}
	if cseq.SeqNo < d.remoteSeq || (cseq.SeqNo == d.remoteSeq && !req.IsAck()) {
		return fmt.Errorf("srs: CSeq %d not above %d", cseq.SeqNo, d.remoteSeq)
	}
	d.remoteSeq = cseq.SeqNo
	if req.Method == sip.INVITE || req.Method == sip.UPDATE {
		if c := req.Contact(); c != nil {
			d.remoteTarget = c.Address
		}
	}
	return nil
}

// inviteStart says whether an SBC re-INVITE may proceed.
type inviteStart int

const (
	inviteOK      inviteStart = iota
	inviteGlare               // our re-INVITE is in flight: answer 491
	inviteUnacked             // their previous INVITE awaits its ACK: answer 500
	inviteEnded               // the dialog is over: answer 481
)

// beginTheirInvite marks the SBC re-INVITE with sequence number seq in
// progress (RFC 3261 §14.2).
func (d *dialog) beginTheirInvite(seq uint32) inviteStart {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.ended:
		return inviteEnded
	case d.ourInvite:
		return inviteGlare
	case d.theirInvite:
		return inviteUnacked
	}
	d.theirInvite = true
	d.ackSeq = seq
	d.ack = make(chan struct{})
	return inviteOK
}

// endTheirInvite is called when their INVITE ends without a 2xx that needs an ACK.
func (d *dialog) endTheirInvite() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.theirInvite {
		d.theirInvite = false
		close(d.ack)
	}
}

// acked records the ACK for the SBC's INVITE with sequence number seq.
func (d *dialog) acked(seq uint32) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.theirInvite || seq != d.ackSeq {
		return false
	}
	d.theirInvite = false
	close(d.ack)
	return true
}

// ackWait returns a channel closed once no SBC INVITE awaits its ACK.
func (d *dialog) ackWait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ack
}

// beginOurInvite reserves the dialog for our re-INVITE; false while an SBC
// INVITE is unacknowledged or ours is already in flight.
func (d *dialog) beginOurInvite() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ended || d.ourInvite || d.theirInvite {
		return false
	}
	d.ourInvite = true
	return true
}

func (d *dialog) endOurInvite() {
	d.mu.Lock()
	d.ourInvite = false
	d.mu.Unlock()
}

// ourInviteInFlight reports whether an SBC re-INVITE must get 491 now.
func (d *dialog) ourInviteInFlight() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ourInvite
}

// end marks the dialog over; it reports whether this call ended it.
func (d *dialog) end() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ended {
		return false
	}
	d.ended = true
	if d.theirInvite {
		d.theirInvite = false
		close(d.ack)
	}
	return true
}

// newRequest builds an in-dialog request (RFC 3261 §12.2.1.1).
func (d *dialog) newRequest(method sip.RequestMethod) (*sip.Request, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ended && method != sip.ACK {
		return nil, ErrDialogGone
	}
	if method != sip.ACK && method != sip.CANCEL {
		d.localSeq++
	}
	req := sip.NewRequest(method, d.remoteTarget)
	from := d.local
	from.Params = d.local.Params.Clone()
	to := d.remote
	to.Params = d.remote.Params.Clone()
	cid := d.callID
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&from)
	req.AppendHeader(&to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: d.localSeq, MethodName: method})
	req.AppendHeader(&mf)
	for _, r := range d.routes {
		req.AppendHeader(sip.NewHeader("Route", r))
	}
	contact := d.contact
	contact.Params = d.contact.Params.Clone()
	req.AppendHeader(&contact)
	req.SetTransport(d.transport)
	return req, nil
}

// route picks the destination: an open TCP/TLS connection from the SBC is
// reused (RFC 5923 style), else the remote target or first Route applies.
func (d *dialog) route(req *sip.Request, ua *sipgo.UserAgent) {
	network := strings.ToLower(d.transport)
	if network == "udp" && d.udpListener.IP != nil {
		// Send from our signalling socket: to a destination the listener
		// has not heard from (a Record-Route hop, a Contact on another
		// address) sipgo would otherwise open an ephemeral socket per
		// destination, which SBCs refuse and nothing closes.
		req.Laddr = d.udpListener
	}
	if len(d.routes) > 0 || network == "udp" {
		return
	}
	if c, err := ua.TransportLayer().GetConnection(network, d.source); err == nil && c != nil {
		// The lookup took a reference on the connection; the transaction
		// takes its own when it sends, so give this one back.
		c.Ref(-1)
		req.SetDestination(d.source)
	}
}

// do sends an in-dialog request and waits for the final response. For a 2xx
// to INVITE it sends the ACK.
func (d *dialog) do(ctx context.Context, c *sipgo.Client, ua *sipgo.UserAgent, req *sip.Request) (*sip.Response, error) {
	d.route(req, ua)
	if req.Body() == nil {
		req.SetBody(nil)
	}
	tx, err := c.TransactionRequest(ctx, req, sipgo.ClientRequestAddVia)
	if err != nil {
		return nil, fmt.Errorf("srs: send %s: %w", req.Method, err)
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if req.IsInvite() && res.IsSuccess() {
				if err := d.sendAck(c, req, res); err != nil {
					return res, err
				}
			}
			return res, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, fmt.Errorf("srs: %s: %w", req.Method, err)
			}
			return nil, fmt.Errorf("srs: %s: transaction ended without response", req.Method)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// sendAck acknowledges a 2xx to our re-INVITE (RFC 3261 §13.2.2.4).
func (d *dialog) sendAck(c *sipgo.Client, inv *sip.Request, res *sip.Response) error {
	ack := sip.NewRequest(sip.ACK, inv.Recipient)
	for _, name := range []string{"From", "To", "Call-ID", "Max-Forwards"} {
		if h := inv.GetHeader(name); h != nil {
			ack.AppendHeader(sip.HeaderClone(h))
		}
	}
	if to := res.To(); to != nil {
		ack.ReplaceHeader(sip.HeaderClone(to))
	}
	ack.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.ACK})
	for _, r := range inv.GetHeaders("Route") {
		ack.AppendHeader(sip.HeaderClone(r))
	}
	ack.SetTransport(inv.Transport())
	ack.Laddr = inv.Laddr
	if dst := inv.Destination(); dst != "" {
		ack.SetDestination(dst)
	}
	ack.SetBody(nil)
	if err := c.WriteRequest(ack, sipgo.ClientRequestAddVia); err != nil {
		return fmt.Errorf("srs: ACK: %w", err)
	}
	return nil
}

// splitHeaderList splits a comma-separated header value outside <> and quotes.
func splitHeaderList(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depth++
		case c == '>':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
