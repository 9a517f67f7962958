package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/lab/ahlab"
)

// runAudioHookServer is `cogito-lab audiohook-server`: the cloud's
// AudioHook ingest, writing each session's audio as stereo WAV + JSON.
func runAudioHookServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("audiohook-server", stderr)
	var (
		cfg        ahlab.IngestConfig
		listen     = fs.String("listen", "127.0.0.1:7001", "address to listen on (port 0 picks one; the URL is printed)")
		creds      = fs.String("credentials", "", "credentials YAML: [{api_key: K, client_secret: BASE64}]")
		apiKey     = fs.String("api-key", "", "accept this API key (instead of --credentials)")
		secret     = fs.String("client-secret", "", "with --api-key: its client secret, base64 (empty: unsigned upgrades)")
		selfSigned = fs.Bool("tls-self-signed", false, "serve wss:// with a fresh self-signed certificate")
		certFile   = fs.String("tls-cert", "", "serve wss:// with this certificate (PEM; with --tls-key)")
		keyFile    = fs.String("tls-key", "", "the certificate's private key (PEM)")
		once       = fs.Bool("once", false, "exit once the first recording is complete")
		asJSON     = fs.Bool("json", false, "print events as JSON lines")
		logLevel   = fs.String("log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	)
	fs.StringVar(&cfg.Dir, "dir", "./ingest", "recordings directory: <dir>/<YYYY-MM-DD>/<conversation>_<session>.wav and .json")
	fs.StringVar(&cfg.Path, "path", ahlab.DefaultPath, "the AudioHook endpoint's path (status at <path>/status)")
	fs.StringVar(&cfg.PublicAuthority, "public-authority", "", "host[:port] clients sign as @authority (default: the request's Host)")
	fs.BoolVar(&cfg.StartPaused, "start-paused", false, "open every new session paused, as the appliance does until a CTI start")
	fs.DurationVar(&cfg.ResumeAfter, "resume-after", 0, "with --start-paused: resume each session after this long (0: never)")
	fs.BoolVar(&cfg.DiscardTo, "discard-to", false, "answer a continued session with discardTo at the audio already received")
	fs.DurationVar(&cfg.Linger, "linger", ahlab.DefaultLinger, "how long a recording whose connection was lost waits for a continued session")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab audiohook-server [flags]

Plays the Cogito cloud's AudioHook ingest: an AudioHook v2 server that
checks each upgrade's signature and writes each recording as stereo WAV
(channel 0 external, channel 1 internal) + JSON. A continued session
appends to the recording it continues, by stream position: resent audio
is skipped, a jump is a gap in the JSON. Runs until interrupted (or
--once). Prints the URL, then one line per event.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		return usageErr(stderr, "audiohook-server", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr(stderr, "audiohook-server", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var err error
	switch {
	case *creds != "" && *apiKey != "":
		return usageErr(stderr, "audiohook-server", errors.New("--credentials or --api-key, not both"))
	case *creds != "":
		if cfg.Credentials, err = audiohook.LoadCredentials(*creds); err != nil {
			return ahRuntimeErr(stderr, "audiohook-server", err)
		}
	case *apiKey != "":
		s, err := audiohook.DecodeSecret(*secret)
		if err != nil {
			return usageErr(stderr, "audiohook-server", err)
		}
		cfg.Credentials = audiohook.StaticCredentials{*apiKey: s}
	default:
		return usageErr(stderr, "audiohook-server", errors.New("want --credentials FILE or --api-key K [--client-secret B64]"))
	}
	tlsConfig, err := ahServerTLS(*selfSigned, *certFile, *keyFile)
	if err != nil {
		return usageErr(stderr, "audiohook-server", err)
	}

	out := &ahLineWriter{w: stdout}
	recorded := make(chan struct{}, 1)
	cfg.OnEvent = func(e ahlab.Event) {
		out.event(e, *asJSON)
		if e.Type == "recording" {
			select {
			case recorded <- struct{}{}:
			default:
			}
		}
	}
	in, err := ahlab.NewIngest(cfg)
	if err != nil {
		return usageErr(stderr, "audiohook-server", err)
	}
	url, err := in.Start(*listen, tlsConfig)
	if err != nil {
		return ahRuntimeErr(stderr, "audiohook-server", err)
	}
	out.printf("audiohook-server: listening on %s (status: %s/status, recordings in %s)\n", url, url, cfg.Dir)
	select {
	case <-ctx.Done():
	case <-ahWaitIf(*once, recorded):
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "cogito-lab audiohook-server: shutdown: %v\n", err)
	}
	for _, r := range in.Recordings() {
		out.printf("recording %s: %s, %.2fs received, %d gaps, %.2fs duplicates skipped, %s\n",
			r.ID, r.EndReason, r.ReceivedSeconds, len(r.Gaps), r.DuplicateSeconds, r.WAV)
	}
	return exitOK
}

// ahServerTLS builds the ingest's TLS config from the flags, or nil for ws://.
func ahServerTLS(selfSigned bool, certFile, keyFile string) (*tls.Config, error) {
	switch {
	case selfSigned && certFile != "":
		return nil, errors.New("--tls-self-signed or --tls-cert, not both")
	case selfSigned:
		return ahlab.SelfSignedTLS()
	case certFile != "" || keyFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	return nil, nil
}

// ahWaitIf returns ch when on, else nil (a select case that never fires).
func ahWaitIf(on bool, ch chan struct{}) chan struct{} {
	if on {
		return ch
	}
	return nil
}

func ahRuntimeErr(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "cogito-lab %s: %v\n", cmd, err)
	return exitRuntime
}

// ahLineWriter serialises whole lines from several goroutines.
type ahLineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *ahLineWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format, args...)
}

func (l *ahLineWriter) event(e ahlab.Event, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(e)
		l.printf("%s\n", b)
		return
	}
	who := "session=" + e.Session
	if e.Session == "" {
		who = "recording=" + e.Recording
	}
	l.printf("%s %-10s %s %s\n", e.Time.Format("15:04:05.000"), e.Type, who, e.Detail)
}
