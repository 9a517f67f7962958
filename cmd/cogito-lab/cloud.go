package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/lab/ahlab"
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
		api         = fs.String("api", "127.0.0.1:7080", "loopback address of the HTTP API (POST /v1/cti, GET /v1/appliances, GET /v1/tunnel, GET /v1/ingest)")
		ping        = fs.Duration("ping", cloudsim.DefaultPingInterval, "control-channel ping interval")
		logLevel    = fs.String("log-level", "info", "debug, info, warn or error (logs go to stderr)")
		ingest      cloudsim.IngestConfig
		ingestPort  = fs.Uint("ingest-port", cloudsim.DefaultIngestPort, "AudioHook ingest port on the tunnel address (the appliance's cloud.relay.url)")
	)
	fs.StringVar(&ingest.Dir, "ingest-dir", "ingest", "where the AudioHook ingest writes recordings (<dir>/<YYYY-MM-DD>/<conversation>_<session>.wav + .json); empty: no ingest")
	fs.StringVar(&ingest.Path, "ingest-path", cloudsim.DefaultIngestPath, "the AudioHook ingest's path")
	fs.StringVar(&ingest.APIKey, "relay-api-key", cloudsim.DefaultRelayAPIKey, "the API key the ingest accepts (the appliance's cloud.relay.api_key)")
	var gen cloudsim.GenesysConfig
	fs.StringVar(&gen.BaseURL, "genesys-url", "", "run the Genesys CTI tracker against this base URL (cogito-lab genesys) and forward its events to the appliance; empty: off")
	fs.StringVar(&gen.Region, "genesys-region", "", "run the Genesys CTI tracker against a real organization in this region (usw2, us-west-2, mypurecloud.com) instead")
	fs.StringVar(&gen.ClientID, "genesys-client-id", labGenesysClientID, "the tracker's OAuth client id")
	fs.StringVar(&gen.ClientSecret, "genesys-client-secret", labGenesysClientSecret, "the tracker's OAuth client secret (the lab's; see --genesys-client-secret-file)")
	genSecretFile := fs.String("genesys-client-secret-file", "", "read the tracker's OAuth client secret from this file instead")
	fs.StringVar(&ingest.SecretFile, "relay-secret-file", "relay.secret", "the relay's client secret, base64; created (mode 600) with a new secret if missing. Give the appliance this file as cloud.relay.client_secret_file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab cloud --key-file F --peer-key KEY [flags]

Plays the Cogito cloud for one appliance: a WireGuard peer on a loopback UDP
port; inside the tunnel the control channel and the AudioHook ingest that the
appliance's relay streams recordings to (stereo WAV + JSON in --ingest-dir);
and a loopback HTTP API that injects CTI events, routed to the appliance that
announced the call's keys:

  curl -d '{"type":"start","ucid":"004762C169FA480C"}' http://127.0.0.1:7080/v1/cti
  curl http://127.0.0.1:7080/v1/ingest        # ingested sessions and recordings

With --genesys-url (or --genesys-region) it also plays the cloud's Genesys
integration: the CTI tracker follows every agent's calls there and forwards
each event to the appliance the same way, one line per event:

  cogito-lab genesys &                          # prints its base URL and client
  cogito-lab cloud ... --genesys-url http://127.0.0.1:8081
  curl http://127.0.0.1:7080/v1/genesys         # the tracker's state and events

On start it prints the appliance-side config (edge.yaml) that points an
appliance at it, writing the relay's secret file if need be, then one line
per ingest event. It runs until SIGINT or SIGTERM.

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
	if ingest.Dir != "" {
		if *ingestPort == 0 || *ingestPort > 65535 {
			return usageErr(stderr, "cloud", fmt.Errorf("--ingest-port %d: want 1-65535", *ingestPort))
		}
		if ingest.SecretFile == "" {
			return usageErr(stderr, "cloud", errors.New("--relay-secret-file is required with an ingest"))
		}
		ingest.Port = uint16(*ingestPort)
	}
	if cfg.PrivateKey, err = loadOrCreateKey(*keyFile, stderr); err != nil {
		fmt.Fprintf(stderr, "cogito-lab cloud: %v\n", err)
		return exitRuntime
	}
	out := &ahLineWriter{w: stdout}
	if ingest.Dir != "" {
		if ingest.SecretFile, err = filepath.Abs(ingest.SecretFile); err != nil {
			return ahRuntimeErr(stderr, "cloud", err)
		}
		if ingest.Dir, err = filepath.Abs(ingest.Dir); err != nil {
			return ahRuntimeErr(stderr, "cloud", err)
		}
		if ingest.Secret, err = readSecretFile(ingest.SecretFile); err != nil {
			return ahRuntimeErr(stderr, "cloud", err)
		}
		ingest.OnEvent = func(e ahlab.Event) { out.event(e, false) }
		cfg.Ingest = ingest
	}
	if gen.BaseURL != "" || gen.Region != "" {
		if *genSecretFile != "" {
			b, err := os.ReadFile(*genSecretFile)
			if err != nil {
				return ahRuntimeErr(stderr, "cloud", err)
			}
			gen.ClientSecret = strings.TrimSpace(string(b))
		}
		gen.OnForward = func(f cloudsim.Forward) { out.printf("%s\n", forwardLine(f)) }
		cfg.Genesys = gen
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
	if ingest.Dir != "" && ingest.Secret == nil { // New made one: the operator's copy
		if err := writeSecretFile(ingest.SecretFile, sim.RelaySecret()); err != nil {
			return ahRuntimeErr(stderr, "cloud", err)
		}
		fmt.Fprintf(stderr, "cogito-lab cloud: wrote a new relay client secret to %s\n", ingest.SecretFile)
	}
	out.printf("# cloud simulator: WireGuard on udp %s, API %s\n", sim.Endpoint(), sim.APIURL())
	if sim.Ingest() != nil {
		out.printf("# AudioHook ingest: %s, recordings in %s\n", sim.RelayURL(), ingest.Dir)
	}
	if st, ok := sim.GenesysStatus(); ok {
		out.printf("# Genesys CTI tracker: token %s, API %s; one line per event forwarded\n", st.TokenURL, st.API)
	}
	out.printf("# appliance side (edge.yaml):\n%s", sim.Snippet())
	<-ctx.Done()
	if err := sim.Close(); err != nil {
		fmt.Fprintf(stderr, "cogito-lab cloud: close: %v\n", err)
	}
	if in := sim.Ingest(); in != nil {
		for _, r := range in.Recordings() {
			out.printf("recording %s: %s, %.2fs received, %d gaps, %.2fs duplicates skipped, %s\n",
				r.ID, r.EndReason, r.ReceivedSeconds, len(r.Gaps), r.DuplicateSeconds, r.WAV)
		}
	}
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

// readSecretFile reads a base64 client secret file; nil, nil when it does
// not exist.
func readSecretFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := audiohook.DecodeSecret(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// writeSecretFile writes a new client secret file (mode 600), base64.
func writeSecretFile(path string, secret []byte) error {
	if err := writeNewFile(path, base64.StdEncoding.EncodeToString(secret)+"\n"); err != nil {
		return fmt.Errorf("relay secret file: %w", err)
	}
	return nil
}

// writeNewFile creates path (mode 600, failing if it exists) with text.
func writeNewFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
	if err := writeNewFile(path, k.String()+"\n"); err != nil {
		return k, fmt.Errorf("write key file: %w", err)
	}
	fmt.Fprintf(stderr, "cogito-lab cloud: wrote a new private key to %s\n", path)
	return k, nil
}

// forwardLine is one line of the output for an event the Genesys tracker
// forwarded: the event, then each appliance's answer.
func forwardLine(f cloudsim.Forward) string {
	ev := f.Event
	var b strings.Builder
	fmt.Fprintf(&b, "cti %s %s conversation=%s", ev.Type, ev.Direction, orDash(ev.ConversationID))
	if ev.UCID != "" {
		fmt.Fprintf(&b, " ucid=%s", ev.UCID)
	}
	fmt.Fprintf(&b, " agent=%s ->", orDash(ev.AgentID))
	if f.Error != "" {
		fmt.Fprintf(&b, " %s", f.Error)
		return b.String()
	}
	fmt.Fprintf(&b, " %s:", f.Delivery.Route)
	for _, r := range f.Delivery.Results {
		fmt.Fprintf(&b, " %s %s", r.ApplianceID, r.Outcome)
		if len(r.Applied) > 0 {
			fmt.Fprintf(&b, " %v", r.Applied)
		}
	}
	fmt.Fprintf(&b, " (%v)", f.Delivered.Sub(f.Emitted).Round(100*time.Microsecond))
	return b.String()
}
