package srs_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// msg is one SIP message as the SBC reads it: start line, headers in
// order, body. It is deliberately small: tests assert on raw text.
type msg struct {
	request bool
	method  string // request method
	uri     string
	status  int
	reason  string
	headers []header
	body    []byte
	from    *net.UDPAddr // datagram source (UDP only)
	raw     string
}

type header struct{ name, value string }

// compact maps RFC 3261 compact header names to full ones.
var compact = map[string]string{
	"i": "call-id", "f": "from", "t": "to", "v": "via", "m": "contact",
	"l": "content-length", "c": "content-type", "k": "supported", "s": "subject",
}

func canonical(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	if full, ok := compact[n]; ok {
		return full
	}
	return n
}

// get returns the first value of a header, "" when absent.
func (m *msg) get(name string) string {
	name = canonical(name)
	for _, h := range m.headers {
		if h.name == name {
			return h.value
		}
	}
	return ""
}

func (m *msg) all(name string) []string {
	name = canonical(name)
	var out []string
	for _, h := range m.headers {
		if h.name == name {
			out = append(out, h.value)
		}
	}
	return out
}

func (m *msg) has(name string) bool {
	name = canonical(name)
	for _, h := range m.headers {
		if h.name == name {
			return true
		}
	}
	return false
}

// cseq returns the CSeq number and method.
func (m *msg) cseq() (uint32, string) {
	num, method, _ := strings.Cut(strings.TrimSpace(m.get("CSeq")), " ")
	n, _ := strconv.ParseUint(num, 10, 32)
	return uint32(n), strings.TrimSpace(method)
}

// tag returns the tag parameter of a From or To header.
func (m *msg) tag(name string) string { return param(m.get(name), "tag") }

// param returns a header parameter after the name-addr (outside <>).
func param(v, name string) string {
	if i := strings.LastIndexByte(v, '>'); i >= 0 {
		v = v[i+1:]
	}
	for p := range strings.SplitSeq(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, name) {
			return val
		}
	}
	return ""
}

func (m *msg) String() string {
	if m.request {
		return m.method + " " + m.uri
	}
	n, method := m.cseq()
	return fmt.Sprintf("%d %s (%d %s)", m.status, m.reason, n, method)
}

// parseHead parses the start line and headers (without the blank line).
func parseHead(head string) (*msg, error) {
	lines := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	m := &msg{}
	start := lines[0]
	if rest, ok := strings.CutPrefix(start, "SIP/2.0 "); ok {
		code, reason, _ := strings.Cut(rest, " ")
		n, err := strconv.Atoi(code)
		if err != nil {
			return nil, fmt.Errorf("bad status line %q", start)
		}
		m.status, m.reason = n, reason
	} else {
		f := strings.Fields(start)
		if len(f) != 3 || f[2] != "SIP/2.0" {
			return nil, fmt.Errorf("bad start line %q", start)
		}
		m.request, m.method, m.uri = true, f[0], f[1]
	}
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(m.headers) > 0 {
			m.headers[len(m.headers)-1].value += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("bad header line %q", l)
		}
		m.headers = append(m.headers, header{canonical(name), strings.TrimSpace(value)})
	}
	return m, nil
}

func parseDatagram(b []byte) (*msg, error) {
	head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		return nil, errors.New("no end of headers")
	}
	m, err := parseHead(string(head))
	if err != nil {
		return nil, err
	}
	m.body = bytes.Clone(body)
	if cl := m.get("Content-Length"); cl != "" {
		if n, err := strconv.Atoi(cl); err == nil && n <= len(m.body) {
			m.body = m.body[:n]
		}
	}
	m.raw = string(b)
	return m, nil
}

// readStream reads one message from a TCP or TLS stream, skipping CRLF
// keep-alives.
func readStream(r *bufio.Reader) (*msg, error) {
	var head strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == "\r\n" || line == "\n" {
			if head.Len() == 0 {
				continue // keep-alive
			}
			break
		}
		head.WriteString(line)
	}
	m, err := parseHead(head.String())
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(m.get("Content-Length"))
	m.body = make([]byte, n)
	if _, err := io.ReadFull(r, m.body); err != nil {
		return nil, err
	}
	m.raw = head.String() + "\r\n" + string(m.body)
	return m, nil
}

// sbc is the session border controller side of a test: raw sockets that
// send SIP text and queue what comes back.
type sbc struct {
	t       testing.TB
	h       *harness
	network string // udp, tcp or tls
	srv     netip.AddrPort
	local   netip.AddrPort

	pc   *net.UDPConn // udp
	conn net.Conn     // tcp, tls
	wmu  sync.Mutex

	mu     sync.Mutex
	queue  []*msg
	notify chan struct{} // closed and replaced when a message arrives
	wg     sync.WaitGroup
}

// newSBC connects an SBC to the harness over network.
func newSBC(t testing.TB, h *harness, network string) *sbc {
	t.Helper()
	s := &sbc{t: t, h: h, network: network, srv: reachable(h.addr(network)), notify: make(chan struct{})}
	switch network {
	case "udp":
		pc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
		if err != nil {
			t.Fatalf("sbc: listen udp: %v", err)
		}
		s.pc = pc
		s.local = pc.LocalAddr().(*net.UDPAddr).AddrPort()
		s.wg.Go(s.readUDP)
	case "tcp", "tls":
		d := net.Dialer{Timeout: waitFor}
		c, err := d.Dial("tcp", s.srv.String())
		if err != nil {
			t.Fatalf("sbc: dial %s: %v", network, err)
		}
		if network == "tls" {
			tc := tls.Client(c, clientTLS(t))
			if err := tc.Handshake(); err != nil {
				t.Fatalf("sbc: TLS handshake: %v", err)
			}
			c = tc
		}
		s.conn = c
		s.local = c.LocalAddr().(*net.TCPAddr).AddrPort()
		s.wg.Go(s.readConn)
	default:
		t.Fatalf("sbc: unknown network %q", network)
	}
	t.Cleanup(s.close)
	return s
}

// reachable turns a listener on the unspecified address into its loopback
// address.
func reachable(ap netip.AddrPort) netip.AddrPort {
	if ap.Addr().IsUnspecified() {
		return netip.AddrPortFrom(loopback, ap.Port())
	}
	return ap
}

func (s *sbc) close() {
	if s.pc != nil {
		_ = s.pc.Close()
	}
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.wg.Wait()
}

func (s *sbc) readUDP() {
	buf := make([]byte, 65535)
	for {
		n, from, err := s.pc.ReadFromUDP(buf)
		if err != nil {
			return
		}
		m, err := parseDatagram(buf[:n])
		if err != nil {
			s.t.Errorf("sbc: unparsable datagram: %v\n%s", err, buf[:n])
			continue
		}
		m.from = from
		if from.AddrPort() != s.srv {
			// SBCs expect the recorder's requests from its signalling
			// address, and a socket per request would leak.
			s.t.Errorf("sbc: %s came from %v, not from the server's listener %v", m, from, s.srv)
		}
		s.push(m)
	}
}

func (s *sbc) readConn() {
	r := bufio.NewReader(s.conn)
	for {
		m, err := readStream(r)
		if err != nil {
			return
		}
		s.push(m)
	}
}

func (s *sbc) push(m *msg) {
	s.mu.Lock()
	s.queue = append(s.queue, m)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
}

// send writes raw SIP to the server.
func (s *sbc) send(b []byte) {
	s.t.Helper()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var err error
	if s.pc != nil {
		_, err = s.pc.WriteToUDPAddrPort(b, s.srv)
	} else {
		_, err = s.conn.Write(b)
	}
	if err != nil {
		s.t.Fatalf("sbc: send: %v", err)
	}
}

// take removes and returns the first queued message that match accepts,
// waiting up to d; nil when none came.
func (s *sbc) take(d time.Duration, match func(*msg) bool) *msg {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.queue {
			if match(m) {
				s.queue = append(s.queue[:i:i], s.queue[i+1:]...)
				s.mu.Unlock()
				return m
			}
		}
		notify := s.notify
		s.mu.Unlock()
		select {
		case <-notify:
		case <-timer.C:
			return nil
		}
	}
}

// expect waits for a matching message or fails the test.
func (s *sbc) expect(what string, match func(*msg) bool) *msg {
	s.t.Helper()
	m := s.take(waitFor, match)
	if m == nil {
		s.t.Fatalf("sbc: no %s within %v; queued: %v", what, waitFor, s.pending())
	}
	return m
}

// absent asserts that no matching message arrives within d.
func (s *sbc) absent(what string, d time.Duration, match func(*msg) bool) {
	s.t.Helper()
	if m := s.take(d, match); m != nil {
		s.t.Fatalf("sbc: unexpected %s:\n%s", what, m.raw)
	}
}

func (s *sbc) pending() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.queue {
		out = append(out, m.String())
	}
	return out
}

// response matches a response to the request of callID with method and CSeq number.
func response(callID, method string, seq uint32) func(*msg) bool {
	return func(m *msg) bool {
		n, meth := m.cseq()
		return !m.request && m.status >= 200 && m.get("Call-ID") == callID && meth == method && n == seq
	}
}

// request matches a request from the server in the dialog of callID.
func request(callID, method string) func(*msg) bool {
	return func(m *msg) bool {
		return m.request && m.method == method && m.get("Call-ID") == callID
	}
}

// transportToken is the Via transport of the SBC's requests.
func (s *sbc) transportToken() string { return strings.ToUpper(s.network) }

// contact is the SBC's Contact; over TCP and TLS nothing listens there,
// so the server must reuse the connection.
func (s *sbc) contact() string {
	uri := fmt.Sprintf("sip:acmeSrc@%s", s.local)
	if s.network != "udp" {
		uri += ";transport=" + s.network
	}
	return fmt.Sprintf("<%s>;+sip.src", uri)
}

// requestURI is the Request-URI of the SBC's out-of-dialog requests.
func (s *sbc) requestURI() string {
	switch s.network {
	case "tcp":
		return fmt.Sprintf("sip:srs@%s;transport=tcp", s.srv)
	case "tls":
		return fmt.Sprintf("sip:srs@%s;transport=tls", s.srv)
	}
	return fmt.Sprintf("sip:srs@%s", s.srv)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// call is one recording dialog from the SBC's side.
type call struct {
	s       *sbc
	callID  string
	fromTag string
	toTag   string // the server's tag, learned from its 2xx
	cseq    uint32
	// invite is the last INVITE sent, for ACK and CANCEL.
	invite struct {
		seq    uint32
		branch string
	}
	// headers are extra headers of the initial INVITE ("Name: value").
	headers []string
	// contact overrides the SBC's Contact when set.
	contact string
}

func (s *sbc) newCall() *call {
	return &call{s: s, callID: randHex(12) + "@127.0.0.1", fromTag: randHex(6), cseq: 100}
}

// build renders a request of the dialog. A zero branch gets a fresh one.
func (c *call) build(method string, seq uint32, branch string, hdrs []string, ctype string, body []byte) []byte {
	if branch == "" {
		branch = "z9hG4bK" + randHex(8)
	}
	var b strings.Builder
	uri := c.s.requestURI()
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", method, uri)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=%s;rport\r\n", c.s.transportToken(), c.s.local, branch)
	b.WriteString("Max-Forwards: 70\r\n")
	if c.fromTag != "" {
		fmt.Fprintf(&b, "From: <sip:acmeSrc@127.0.0.1>;tag=%s\r\n", c.fromTag)
	} else {
		b.WriteString("From: <sip:acmeSrc@127.0.0.1>\r\n")
	}
	if c.toTag != "" {
		fmt.Fprintf(&b, "To: <sip:srs@127.0.0.1>;tag=%s\r\n", c.toTag)
	} else {
		b.WriteString("To: <sip:srs@127.0.0.1>\r\n")
	}
	fmt.Fprintf(&b, "Call-ID: %s\r\n", c.callID)
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", seq, method)
	contact := c.contact
	if contact == "" {
		contact = c.s.contact()
	}
	if method != "ACK" && method != "CANCEL" {
		fmt.Fprintf(&b, "Contact: %s\r\n", contact)
	}
	for _, h := range hdrs {
		b.WriteString(h + "\r\n")
	}
	if len(body) > 0 {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ctype)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return []byte(b.String())
}

// sendInvite sends the initial INVITE (or a re-INVITE once toTag is
// known) and returns its CSeq number.
func (c *call) sendInvite(hdrs []string, ctype string, body []byte) uint32 {
	c.cseq++
	c.invite.seq = c.cseq
	c.invite.branch = "z9hG4bK" + randHex(8)
	if c.toTag == "" {
		hdrs = append(append([]string{}, c.headers...), hdrs...)
	}
	c.s.send(c.build("INVITE", c.cseq, c.invite.branch, hdrs, ctype, body))
	return c.cseq
}

// inviteOK sends an INVITE and waits for its final response, which must be 200.
func (c *call) inviteOK(ctype string, body []byte, hdrs ...string) *msg {
	c.s.t.Helper()
	seq := c.sendInvite(hdrs, ctype, body)
	res := c.s.expect("final response to INVITE", response(c.callID, "INVITE", seq))
	if res.status != 200 {
		c.s.t.Fatalf("INVITE answered %d %s, want 200:\n%s", res.status, res.reason, res.raw)
	}
	if c.toTag == "" {
		c.toTag = res.tag("To")
	}
	return res
}

// ack acknowledges the 2xx of the last INVITE (a new transaction) and
// waits until the server has handled it: a test must not end with a
// datagram in flight, or sipgo may open a socket for it after Close.
func (c *call) ack() {
	c.s.t.Helper()
	n := c.s.h.acks.Add(1)
	c.s.send(c.build("ACK", c.invite.seq, "", nil, "", nil))
	eventually(c.s.t, "the server to handle the ACK", func() bool {
		return c.s.h.metric("cogito_edge_sip_requests_total", "method", "ACK") >= float64(n)
	})
}

// ackFinal acknowledges the final response to the last INVITE: a 2xx in
// a new transaction, anything else in the INVITE's own (RFC 3261 §17.1.1.3).
func (c *call) ackFinal(res *msg) {
	if res.status/100 == 2 {
		if c.toTag == "" {
			c.toTag = res.tag("To")
		}
		c.ack()
		return
	}
	saved := c.toTag
	c.toTag = res.tag("To")
	c.s.send(c.build("ACK", c.invite.seq, c.invite.branch, nil, "", nil))
	c.toTag = saved
}

// answer is INVITE + 200 + ACK for an Oracle call.
func (c *call) answer(ctype string, body []byte, hdrs ...string) *msg {
	c.s.t.Helper()
	res := c.inviteOK(ctype, body, hdrs...)
	c.ack()
	return res
}

// request sends an in-dialog request and waits for its final response.
func (c *call) request(method string, hdrs []string, ctype string, body []byte) *msg {
	c.s.t.Helper()
	c.cseq++
	seq := c.cseq
	if method == "INVITE" {
		c.invite.seq = seq
		c.invite.branch = "z9hG4bK" + randHex(8)
		c.s.send(c.build(method, seq, c.invite.branch, hdrs, ctype, body))
	} else {
		c.s.send(c.build(method, seq, "", hdrs, ctype, body))
	}
	return c.s.expect("final response to "+method, response(c.callID, method, seq))
}

// reply answers a request the server sent to the SBC.
func (c *call) reply(req *msg, code int, reason string, ctype string, body []byte) {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for _, v := range req.all("Via") {
		fmt.Fprintf(&b, "Via: %s\r\n", v)
	}
	fmt.Fprintf(&b, "From: %s\r\n", req.get("From"))
	fmt.Fprintf(&b, "To: %s\r\n", req.get("To"))
	fmt.Fprintf(&b, "Call-ID: %s\r\n", req.get("Call-ID"))
	fmt.Fprintf(&b, "CSeq: %s\r\n", req.get("CSeq"))
	if req.method == "INVITE" && code/100 == 2 {
		fmt.Fprintf(&b, "Contact: %s\r\n", c.s.contact())
	}
	if len(body) > 0 {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ctype)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	c.s.replyTo(req, []byte(b.String()))
}

// replyTo sends a response to where the request came from.
func (s *sbc) replyTo(req *msg, b []byte) {
	s.t.Helper()
	if s.pc == nil {
		s.send(b)
		return
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.pc.WriteToUDP(b, req.from); err != nil {
		s.t.Fatalf("sbc: reply: %v", err)
	}
}
