package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"github.com/cogito/cogito-edge/lab/cloudsim"
	"github.com/cogito/cogito-edge/tunnel"
)

// runCloud is `cogito-lab cloud`: the cloud simulator, until SIGINT.
func runCloud(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("cloud", stderr)
	var (
		listenUDP   = fs.String("listen-udp", "127.0.0.1:51820", "loopback UDP address of the WireGuard peer (port 0: a free one)")
		keyFile     = fs.String("key-file", "", "the cloud's WireGuard private key file; created (mode 600) with a new key if missing")
		peerKey     = fs.String("peer-key", "", "the appliance's WireGuard public key (cogito-edge pubkey < wg.key); required")
		address     = fs.String("address", cloudsim.DefaultAddress.String(), "the cloud's tunnel address")
		peerAddress = fs.String("peer-address", cloudsim.DefaultPeerAddress.String(), "the appliance's tunnel address")
		controlPort = fs.Uint("control-port", cloudsim.DefaultControlPort, "control-channel port on the tunnel address")
		api         = fs.String("api", "127.0.0.1:7080", "loopback address of the HTTP API (POST /v1/cti, GET /v1/appliances, GET /v1/tunnel)")
		ping        = fs.Duration("ping", cloudsim.DefaultPingInterval, "control-channel ping interval")
		logLevel    = fs.String("log-level", "info", "debug, info, warn or error (logs go to stderr)")
	)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab cloud --key-file F --peer-key KEY [flags]

Plays the Cogito cloud for one appliance: a WireGuard peer on a loopback UDP
port, the control channel inside the tunnel, and a loopback HTTP API that
injects CTI events, routed to the appliance that announced the call's keys:

  curl -d '{"type":"start","ucid":"004762C169FA480C"}' http://127.0.0.1:7080/v1/cti

On start it prints the appliance-side config (edge.yaml) that points an
appliance at it. It runs until SIGINT or SIGTERM.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "cloud", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	cfg, level, err := cloudConfig(*listenUDP, *peerKey, *address, *peerAddress, *controlPort, *api, *ping, *logLevel)
	if err != nil {
		return usageErr(stderr, "cloud", err)
	}
	if *keyFile == "" {
		return usageErr(stderr, "cloud", errors.New("--key-file is required"))
	}
	if cfg.PrivateKey, err = loadOrCreateKey(*keyFile, stderr); err != nil {
		fmt.Fprintf(stderr, "cogito-lab cloud: %v\n", err)
		return exitRuntime
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sim, err := cloudsim.New(cfg, log, nil)
	if err != nil {
		return usageErr(stderr, "cloud", err)
	}
	defer sim.Close()
	if err := sim.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "cogito-lab cloud: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "# cloud simulator: WireGuard on udp %s, API %s\n", sim.Endpoint(), sim.APIURL())
	fmt.Fprintf(stdout, "# appliance side (edge.yaml):\n%s", sim.Snippet())
	<-ctx.Done()
	return exitOK
}

// cloudConfig parses the flags that make the simulator's config.
func cloudConfig(listenUDP, peerKey, address, peerAddress string, controlPort uint, api string,
	ping time.Duration, logLevel string) (cloudsim.Config, slog.Level, error) {
	var (
		cfg   cloudsim.Config
		level slog.Level
		err   error
	)
	if err = level.UnmarshalText([]byte(logLevel)); err != nil {
		return cfg, level, err
	}
	if peerKey == "" {
		return cfg, level, errors.New("--peer-key is required: the appliance's public key, from cogito-edge pubkey")
	}
	if cfg.PeerPublicKey, err = tunnel.ParseKey(peerKey); err != nil {
		return cfg, level, fmt.Errorf("--peer-key: %w", err)
	}
	if cfg.ListenUDP, err = netip.ParseAddrPort(listenUDP); err != nil {
		return cfg, level, fmt.Errorf("--listen-udp %q: want IP:port", listenUDP)
	}
	if cfg.Address, err = netip.ParsePrefix(address); err != nil {
		return cfg, level, fmt.Errorf("--address %q: want a prefix such as 10.99.0.1/24", address)
	}
	if cfg.PeerAddress, err = netip.ParseAddr(peerAddress); err != nil {
		return cfg, level, fmt.Errorf("--peer-address %q: want an IP address", peerAddress)
	}
	if controlPort == 0 || controlPort > 65535 {
		return cfg, level, fmt.Errorf("--control-port %d: want 1-65535", controlPort)
	}
	if ping <= 0 {
		return cfg, level, fmt.Errorf("--ping %v: want a positive duration", ping)
	}
	cfg.ControlPort, cfg.API, cfg.Control.PingInterval = uint16(controlPort), api, ping
	return cfg, level, nil
}

// loadOrCreateKey reads a private key file, or writes a new key to it
// (mode 600) when it does not exist.
func loadOrCreateKey(path string, stderr io.Writer) (tunnel.Key, error) {
	k, err := tunnel.ReadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if k, err = tunnel.GenerateKey(); err != nil {
		return k, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return k, fmt.Errorf("create key file: %w", err)
	}
	if _, err := fmt.Fprintln(f, k.String()); err != nil {
		f.Close()
		return k, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return k, fmt.Errorf("write key file: %w", err)
	}
	fmt.Fprintf(stderr, "cogito-lab cloud: wrote a new private key to %s\n", path)
	return k, nil
}
