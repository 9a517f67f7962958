package tunnel

import (
	"errors"
	"fmt"
	"net"
)

var (
	// ErrConfig is returned by New for an invalid Config; the message says
	// which field and why.
	ErrConfig = errors.New("tunnel: invalid config")
	// ErrKey is returned for text that is not a WireGuard key (standard
	// base64 of 32 bytes, as wg genkey prints it).
	ErrKey = errors.New("tunnel: not a WireGuard key: want base64 of 32 bytes, as wg genkey prints it")
	// ErrKeyFileMode is returned for a private key file that the group or
	// others may access: chmod 600 it.
	ErrKeyFileMode = errors.New("tunnel: private key file is accessible by group or others (chmod 600 it)")
	// ErrStarted is returned by a second call to Start.
	ErrStarted = errors.New("tunnel: already started")
	// ErrNotStarted is returned by the dial and listen methods before Start.
	ErrNotStarted = errors.New("tunnel: not started")
	// ErrClosed is returned after Close; errors.Is(err, net.ErrClosed)
	// holds too, so HTTP and WebSocket code treats it as a closed network.
	ErrClosed = fmt.Errorf("tunnel: %w", net.ErrClosed)
	// ErrNetwork is returned for a network other than tcp, tcp4, tcp6,
	// udp, udp4 or udp6, or one whose family the tunnel has no address of.
	ErrNetwork = errors.New("tunnel: unsupported network")
	// ErrAddress is returned for an address that is not IP:port: names are
	// not resolved inside the tunnel.
	ErrAddress = errors.New("tunnel: want an IP:port address inside the tunnel")
	// ErrResolve is returned when the endpoint's name has no usable address.
	ErrResolve = errors.New("tunnel: endpoint has no address")
)
