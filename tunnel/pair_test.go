package tunnel

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestPair runs HTTP, WebSocket, UDP and plain TCP through two netstack
// tunnels on loopback, both ways, then closes them and checks that nothing
// is left running.
func TestPair(t *testing.T) {
	checkNoLeaks(t)
	p := newPair(t, nil, nil)

	big := make([]byte, 1<<20)
	_, _ = rand.Read(big)
	up := websocket.Upgrader{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.RemoteAddr[:strings.LastIndexByte(r.RemoteAddr, ':')])
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(big) })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) })
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, b); err != nil {
				return
			}
		}
	})
	serveHTTP(t, p.cloud.Tunnel, ":8080", mux)
	base := "http://" + cloudAddr.String() + ":8080"

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"http", func(t *testing.T) {
			c := httpClient(p.edge.Tunnel)
			body, err := get(t.Context(), c, base+"/hello")
			if err != nil || body != "hello "+edgeAddr.String() {
				t.Fatalf("GET /hello = %q, %v", body, err)
			}
			body, err = get(t.Context(), c, base+"/big")
			if err != nil || body != string(big) {
				t.Fatalf("GET /big: %d bytes, %v", len(body), err)
			}
			resp, err := c.Post(base+"/echo", "application/octet-stream", bytes.NewReader(big))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if b, err := io.ReadAll(resp.Body); err != nil || !bytes.Equal(b, big) {
				t.Fatalf("POST /echo: %d bytes back, %v", len(b), err)
			}
		}},
		{"websocket", func(t *testing.T) {
			d := websocket.Dialer{NetDialContext: p.edge.DialContext, HandshakeTimeout: 10 * time.Second}
			c, resp, err := d.DialContext(t.Context(), "ws://"+cloudAddr.String()+":8080/ws", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			defer c.Close()
			for i, msg := range [][]byte{[]byte("open"), big[:1600], big[:64<<10], big} {
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					t.Fatal(err)
				}
				mt, b, err := c.ReadMessage()
				if err != nil || mt != websocket.BinaryMessage || !bytes.Equal(b, msg) {
					t.Fatalf("message %d: type %d, %d of %d bytes, %v", i, mt, len(b), len(msg), err)
				}
			}
		}},
		{"udp", func(t *testing.T) {
			pc, err := p.cloud.ListenPacket("udp", ":9000")
			if err != nil {
				t.Fatal(err)
			}
			defer pc.Close()
			go func() {
				buf := make([]byte, 2048)
				for {
					n, from, err := pc.ReadFrom(buf)
					if err != nil {
						return
					}
					_, _ = pc.WriteTo(buf[:n], from)
				}
			}()
			c, err := p.edge.DialContext(t.Context(), "udp", cloudAddr.String()+":9000")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			buf := make([]byte, 2048)
			for i := range 20 {
				msg := big[i*1000 : i*1000+160+i]
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, err := c.Read(buf)
				if err != nil || !bytes.Equal(buf[:n], msg) {
					t.Fatalf("datagram %d: %d bytes back, %v", i, n, err)
				}
			}
		}},
		{"tcp cloud to edge", func(t *testing.T) {
			l, err := p.edge.Listen("tcp", ":7000")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			go func() {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
			c, err := p.cloud.DialContext(t.Context(), "tcp", edgeAddr.String()+":7000")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go func() { _, _ = c.Write(big[:256<<10]) }()
			b := make([]byte, 256<<10)
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadFull(c, b); err != nil || !bytes.Equal(b, big[:256<<10]) {
				t.Fatalf("echo: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}

	for _, s := range []*side{p.cloud, p.edge} {
		h := s.Health()
		if !h.Up || !h.Ready || h.Problem != "" || h.LastHandshake.IsZero() || h.RxBytes < 1<<20 || h.TxBytes < 1<<20 ||
			h.HandshakeFailures != 0 || h.EndpointAddress == "" {
			t.Errorf("health: %+v", h)
		}
	}
	if h := p.edge.Health(); h.HandshakeAttempts == 0 {
		t.Errorf("edge counted no handshake attempt: %+v", h)
	}

	// Close: the peer's connections fail, the metrics say so, and a second
	// Close is harmless.
	c, err := p.edge.DialContext(t.Context(), "tcp", cloudAddr.String()+":8080")
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	for _, s := range []*side{p.edge, p.cloud} {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-readErr; err == nil {
		t.Error("a read on a connection of a closed tunnel succeeded")
	}
	c.Close()
	for _, s := range []*side{p.cloud, p.edge} {
		if up := metric(t, s.reg, "cogito_edge_tunnel_up"); up != 0 {
			t.Errorf("up = %v after Close", up)
		}
		if rx := metric(t, s.reg, "cogito_edge_tunnel_receive_bytes_total"); rx < 1<<20 {
			t.Errorf("receive_bytes_total = %v", rx)
		}
		if h := s.Health(); h.Up || h.Problem != "tunnel is closed" {
			t.Errorf("health after Close: %+v", h)
		}
		if _, err := s.DialContext(t.Context(), "tcp", "10.99.0.1:1"); !isClosed(err) {
			t.Errorf("dial after Close: %v", err)
		}
	}
}

func isClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
