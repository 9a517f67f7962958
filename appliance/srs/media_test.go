package srs_test

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// rtpLeg is one of the SBC's media streams: a socket on loopback whose
// port goes into the offer, and the RTP state of what it sends.
type rtpLeg struct {
	t    testing.TB
	conn *net.UDPConn
	seq  uint16
	ts   uint32
	ssrc uint32
	// key, when set, is the SBC's SDES keying for this stream
	// (AES_CM_128_HMAC_SHA1_80) and packets are sent as SRTP.
	key  []byte
	srtp *srtp.Context
}

func newRTPLeg(t testing.TB, ssrc uint32) *rtpLeg {
	t.Helper()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatalf("rtp leg: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rtpLeg{t: t, conn: conn, ssrc: ssrc, seq: 1000, ts: 16000}
}

func (l *rtpLeg) port() int { return l.conn.LocalAddr().(*net.UDPAddr).Port }

// withSRTP gives the leg a random AES_CM_128_HMAC_SHA1_80 key and returns
// its a=crypto value with tag 1.
func (l *rtpLeg) withSRTP() string {
	l.t.Helper()
	l.key = make([]byte, 30)
	_, _ = rand.Read(l.key)
	ctx, err := srtp.CreateContext(l.key[:16], l.key[16:], srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		l.t.Fatalf("srtp context: %v", err)
	}
	l.srtp = ctx
	return "1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(l.key)
}

// packet builds the next 20 ms PCMU packet filled with sample (a loud
// μ-law byte unless 0xFF); SRTP-protected when the leg has a key.
func (l *rtpLeg) packet(sample byte) []byte {
	l.t.Helper()
	payload := make([]byte, 160)
	for i := range payload {
		payload[i] = sample
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: l.seq, Timestamp: l.ts, SSRC: l.ssrc}, Payload: payload}
	l.seq++
	l.ts += 160
	b, err := p.Marshal()
	if err != nil {
		l.t.Fatalf("rtp marshal: %v", err)
	}
	if l.srtp == nil {
		return b
	}
	out, err := l.srtp.EncryptRTP(nil, b, nil)
	if err != nil {
		l.t.Fatalf("srtp encrypt: %v", err)
	}
	return out
}

func (l *rtpLeg) send(to int, b []byte) {
	l.t.Helper()
	if _, err := l.conn.WriteToUDPAddrPort(b, netip.AddrPortFrom(loopback, uint16(to))); err != nil {
		l.t.Fatalf("rtp send: %v", err)
	}
}

// stream sends n packets to port.
func (l *rtpLeg) stream(to, n int, sample byte) {
	for range n {
		l.send(to, l.packet(sample))
	}
}
