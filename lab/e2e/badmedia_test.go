package e2e

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/lab/callgen"
	"github.com/pion/rtp"
)

// TestBadMedia sends hostile media into live calls. RTP from a source that
// is not the negotiated peer is dropped as wrong_source and the call's own
// recording loses nothing. SRTP whose authentication tag is spoiled (sent by
// the SBC itself, as a key mismatch or corruption would) is dropped as
// srtp_auth_fail, packet for packet, and every good packet still lands.
func TestBadMedia(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: not in -short")
	}
	t.Run("rtp from a wrong source", func(t *testing.T) {
		e := startEdge(t, nil)
		const d = 2 * time.Second
		const bogus = 25
		var sent int
		cfg := callgen.Config{Duration: d}
		cfg.OnActivated = func(_ context.Context, c *callgen.Call) {
			for _, leg := range c.Report().Legs {
				sent += sendBogus(t, "127.0.0.2:0", leg.Remote, bogus)
			}
		}
		rep := runCalls(t, e, cfg)
		for _, r := range rep.Results {
			checkRecording(t, e, r, d)
		}
		if sent != 2*bogus {
			t.Fatalf("sent %d bogus packets, want %d", sent, 2*bogus)
		}
		if got := e.counter("cogito_edge_media_packets_dropped_total", map[string]string{"reason": "wrong_source"}); got != float64(sent) {
			t.Fatalf("wrong_source drops = %v, want %d", got, sent)
		}
	})
	t.Run("srtp with a bad auth tag", func(t *testing.T) {
		e := startEdge(t, nil)
		rep := runCalls(t, e, callgen.Config{SRTP: "AES_CM_128_HMAC_SHA1_80", CorruptAuthEvery: 10, Duration: 2 * time.Second})
		var corrupted uint64
		for _, r := range rep.Results {
			var sent, bad uint64
			for _, l := range r.Legs {
				sent += l.Packets
				bad += l.Corrupted
			}
			m, _ := e.recordingByKey(mustKey(callkey.UCID(r.Keys.UCID)), 30*time.Second)
			var got uint64
			for _, s := range m.Streams {
				got += s.Packets
			}
			if bad == 0 || got != sent-bad {
				t.Errorf("sent %d packets of which %d spoiled; appliance accepted %d, want %d", sent, bad, got, sent-bad)
			}
			corrupted += bad
		}
		if got := e.counter("cogito_edge_media_packets_dropped_total", map[string]string{"reason": "srtp_auth_fail"}); got != float64(corrupted) {
			t.Fatalf("srtp_auth_fail drops = %v, want %d", got, corrupted)
		}
		if got := e.counter("cogito_edge_media_srtp_auth_failures_total", nil); got != float64(corrupted) {
			t.Fatalf("srtp_auth_failures_total = %v, want %d", got, corrupted)
		}
	})
}

// sendBogus sends n RTP packets with a payload of noise to the appliance's
// media address from src.
func sendBogus(t *testing.T, src, dst string, n int) int {
	t.Helper()
	to, err := netip.ParseAddrPort(dst)
	if err != nil {
		t.Errorf("leg remote %q: %v", dst, err)
		return 0
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(src)))
	if err != nil {
		t.Errorf("bind %s: %v", src, err)
		return 0
	}
	defer conn.Close()
	payload := make([]byte, 160)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	sent := 0
	for i := 0; i < n; i++ {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(40000 + i), Timestamp: uint32(i * 160), SSRC: 0xBAD0BAD0}, Payload: payload}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.WriteToUDPAddrPort(b, to); err == nil {
			sent++
		}
	}
	return sent
}
