package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/cogito/cogito-edge/lab/genesyssim"
)

// The OAuth client `cogito-lab genesys` accepts and `cogito-lab cloud`
// logs in with unless told otherwise: a lab's, not a secret.
const (
	labGenesysClientID     = "cogito-lab"
	labGenesysClientSecret = "cogito-lab-secret"
)

// runGenesys is `cogito-lab genesys`: the Genesys Cloud simulator on
// loopback, until SIGINT.
func runGenesys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("genesys", stderr)
	var (
		cfg      genesyssim.Config
		logLevel = fs.String("log-level", "info", "debug, info, warn or error (logs go to stderr)")
	)
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8081", "loopback address to serve on (port 0: a free one)")
	fs.StringVar(&cfg.ClientID, "client-id", labGenesysClientID, "the OAuth client id the token endpoint accepts")
	fs.StringVar(&cfg.ClientSecret, "client-secret", labGenesysClientSecret, "the OAuth client secret the token endpoint accepts")
	fs.IntVar(&cfg.Users, "users", genesyssim.DefaultUsers, "how many users (agents) exist at start")
	fs.DurationVar(&cfg.TokenLife, "token-life", 5*time.Minute, "an access token's life (expires_in): short, so that clients refresh")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat", genesyssim.DefaultHeartbeatInterval, "channel.metadata heartbeat interval on each notification socket")
	fs.DurationVar(&cfg.ChannelLife, "channel-life", genesyssim.DefaultChannelLife, "how long a notification channel lives")
	fs.DurationVar(&cfg.SocketClosingGrace, "socket-closing-grace", genesyssim.DefaultSocketClosingGrace, "how long a socket stays open after v2.system.socket_closing")
	fs.IntVar(&cfg.MaxTopics, "max-topics", 1000, "topics per notification channel (more: 400)")
	fs.IntVar(&cfg.MaxChannels, "max-channels", 20, "notification channels per client (a new one past it evicts the least recently used)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab genesys [flags]

Plays Genesys Cloud on loopback, at the HTTP and WebSocket level: the OAuth
token endpoint (client credentials), the users (paged), the Notification
Service (channels, subscriptions, WebSockets with heartbeats), conversations,
scripted calls and fault injection. The CTI tracker runs against it unchanged,
with its base URL set to the one printed: the cloud simulator
(cogito-lab cloud --genesys-url URL) or an appliance in direct mode
(cti.source: genesys, cti.genesys.base_url: URL).

Scripted calls and faults (agent: a user id or its index):

  curl -d '{"agent":"0","ucid":"004762C169FA480C"}' URL/sim/calls/inbound
  curl -d '{"agent":"1","conversation_id":"5f1d2c3b-0a9e-4d8f-9b7a-000000000001"}' URL/sim/calls/outbound
  curl -X POST URL/sim/calls/CONVERSATION/hold      # also resume, disconnect
  curl -d '{"to":"2"}' URL/sim/calls/CONVERSATION/transfer
  curl -X POST URL/sim/faults/socket-closing        # also kill-sockets, drop-heartbeats,
                                                    # rate-limit, revoke-tokens, outage, ...
  curl URL/sim/users; curl URL/sim/channels; curl URL/sim/stats

It prints the base URL and the OAuth client to use, then runs until SIGINT or
SIGTERM.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "genesys", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr(stderr, "genesys", err)
	}
	if cfg.Users < 1 {
		return usageErr(stderr, "genesys", fmt.Errorf("--users %d: want at least 1", cfg.Users))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--token-life", cfg.TokenLife}, {"--heartbeat", cfg.HeartbeatInterval}, {"--channel-life", cfg.ChannelLife},
		{"--socket-closing-grace", cfg.SocketClosingGrace}} {
		if d.v <= 0 {
			return usageErr(stderr, "genesys", fmt.Errorf("%s %v: want a positive duration", d.name, d.v))
		}
	}
	if cfg.MaxTopics < 1 || cfg.MaxChannels < 1 {
		return usageErr(stderr, "genesys", errors.New("--max-topics and --max-channels: want at least 1"))
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sim, err := genesyssim.New(cfg)
	if err != nil {
		return usageErr(stderr, "genesys", err)
	}
	defer sim.Close()
	if err := sim.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "cogito-lab genesys: %v\n", err)
		return exitRuntime
	}
	url := sim.URL()
	users := sim.Users()
	fmt.Fprintf(stdout, "# Genesys Cloud simulator: %s (%d users, tokens live %v, heartbeat every %v)\n",
		url, len(users), cfg.TokenLife, cfg.HeartbeatInterval)
	fmt.Fprintf(stdout, "base_url: %s\nclient_id: %s\nclient_secret: %s\n", url, cfg.ClientID, cfg.ClientSecret)
	fmt.Fprintf(stdout, "# first agents: ")
	for i, u := range users[:min(len(users), 3)] {
		if i > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%d %s (%s)", u.Index, u.ID, u.Name)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "# the cloud simulator follows it with:\n#   cogito-lab cloud --genesys-url %s --genesys-client-id %s --genesys-client-secret %s ...\n",
		url, cfg.ClientID, cfg.ClientSecret)
	fmt.Fprintf(stdout, "# an appliance in direct mode (edge.yaml):\n#   cti: {source: genesys, genesys: {base_url: %s, client_id: %s, client_secret_file: F}}   # F holds %s\n",
		url, cfg.ClientID, cfg.ClientSecret)
	fmt.Fprintf(stdout, "# a scripted call: curl -d '{\"agent\":\"0\",\"ucid\":\"004762C169FA480C\"}' %s/sim/calls/inbound\n", url)
	<-ctx.Done()
	if err := sim.Close(); err != nil {
		fmt.Fprintf(stderr, "cogito-lab genesys: close: %v\n", err)
	}
	st := sim.Stats()
	fmt.Fprintf(stdout, "# served %d tokens, %d channels, %d sockets, %d notifications (%d dropped)\n",
		st.TokensIssued, st.ChannelsCreated, st.SocketsOpened, st.Notifications, st.Dropped)
	return exitOK
}
