package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
)

// sinkRTCPBuffer mirrors the appliance's small receive buffer on the RTCP
// sockets it binds and never reads.
const sinkRTCPBuffer = 4096

// sinkHello is udpsink's first line on stdout.
type sinkHello struct {
	PID   int      `json:"pid"`
	Ports []uint16 `json:"ports"`
}

// sinkCount is udpsink's answer to each line on stdin.
type sinkCount struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// runUDPSink is `cogito-lab udpsink`: the bench's baseline receiver.
func runUDPSink(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("udpsink", stderr)
	n := fs.Int("sockets", 2, "RTP sockets to bind and read (one goroutine each); an unread RTCP socket is bound next to each, as the appliance does")
	ipFlag := fs.String("ip", "127.0.0.1", "address to bind")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab udpsink [flags]

A bare Go UDP reader for the bench's baseline: binds the sockets, prints
{"pid":…,"ports":[…]} on stdout, then reads packets with one goroutine per
socket doing nothing but count. Each line on stdin is answered with
{"packets":N,"bytes":B}; end of stdin (or SIGTERM) stops it.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	ip, err := netip.ParseAddr(*ipFlag)
	if err != nil || *n <= 0 || *n > 60000 {
		return usageErr(stderr, "udpsink", fmt.Errorf("want --sockets 1..60000 and an IP address"))
	}
	s, err := openSink(ip, *n)
	if err != nil {
		fmt.Fprintf(stderr, "cogito-lab udpsink: %v\n", err)
		return exitRuntime
	}
	defer s.close()
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(sinkHello{PID: os.Getpid(), Ports: s.ports()}); err != nil {
		return exitRuntime
	}
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- struct{}{}
		}
	}()
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return exitOK
			}
			p, b := s.count()
			if err := enc.Encode(sinkCount{Packets: p, Bytes: b}); err != nil {
				return exitRuntime
			}
		case <-ctx.Done():
			return exitOK
		}
	}
}

// sink is the baseline receiver: one goroutine per RTP socket.
type sink struct {
	rtp, rtcp []*net.UDPConn
	counters  []sinkCounter
	wg        sync.WaitGroup
}

// sinkCounter is one socket's counts, padded to its own cache line so
// the readers do not share one.
type sinkCounter struct {
	packets, bytes atomic.Uint64
	_              [48]byte
}

func openSink(ip netip.Addr, n int) (*sink, error) {
	s := &sink{counters: make([]sinkCounter, n)}
	for range n {
		r, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			s.close()
			return nil, err
		}
		s.rtp = append(s.rtp, r)
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			s.close()
			return nil, err
		}
		_ = c.SetReadBuffer(sinkRTCPBuffer)
		s.rtcp = append(s.rtcp, c)
	}
	for i, c := range s.rtp {
		s.wg.Add(1)
		go s.routineRead(c, &s.counters[i])
	}
	return s, nil
}

// routineRead is the appliance's receive loop without the packet handling.
func (s *sink) routineRead(c *net.UDPConn, n *sinkCounter) {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		k, _, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		n.packets.Add(1)
		n.bytes.Add(uint64(k))
	}
}

func (s *sink) ports() []uint16 {
	out := make([]uint16, len(s.rtp))
	for i, c := range s.rtp {
		out[i] = c.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	}
	return out
}

func (s *sink) count() (packets, bytes uint64) {
	for i := range s.counters {
		packets += s.counters[i].packets.Load()
		bytes += s.counters[i].bytes.Load()
	}
	return packets, bytes
}

func (s *sink) close() {
	for _, c := range s.rtp {
		c.Close()
	}
	for _, c := range s.rtcp {
		c.Close()
	}
	s.wg.Wait()
}

// childEnv marks a cogito-lab the bench started as a child; a test binary
// standing in for cogito-lab dispatches on it (see TestMain).
const childEnv = "COGITO_LAB_CHILD"

// sinkProc is a udpsink child process, driven over its stdin and stdout.
type sinkProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	hello sinkHello
}

// startSinkProc runs `cogito-lab udpsink --sockets n` from this very
// executable and waits for its ports.
func startSinkProc(n int) (*sinkProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "udpsink", "--sockets", fmt.Sprint(n))
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &sinkProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	p.out.Buffer(make([]byte, 64<<10), 4<<20)
	if !p.out.Scan() || json.Unmarshal(p.out.Bytes(), &p.hello) != nil || len(p.hello.Ports) != n {
		p.stop()
		return nil, fmt.Errorf("udpsink did not start: %v", p.out.Err())
	}
	return p, nil
}

// count asks the child for its packet count.
func (p *sinkProc) count() (sinkCount, error) {
	if _, err := io.WriteString(p.in, "count\n"); err != nil {
		return sinkCount{}, err
	}
	var c sinkCount
	if !p.out.Scan() {
		return c, fmt.Errorf("udpsink: no answer: %v", p.out.Err())
	}
	return c, json.Unmarshal(p.out.Bytes(), &c)
}

// stop closes the child's stdin, which ends it, and reaps it.
func (p *sinkProc) stop() {
	p.in.Close()
	_ = p.cmd.Wait()
}
