package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/audiohook"
	"github.com/cogito/cogito-edge/lab/ahlab"
)

// runAudioHookClient is `cogito-lab audiohook-client`: a Genesys Cloud
// AudioHook client streaming a stereo WAV or the lab's tones.
func runAudioHookClient(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("audiohook-client", stderr)
	var (
		cfg        ahlab.PlayerConfig
		secret     = fs.String("client-secret", "", "client secret, base64 (empty: unsigned upgrade)")
		secretFile = fs.String("client-secret-file", "", "read the client secret (base64) from this file")
		wav        = fs.String("wav", "", "stream this WAV (8 kHz PCM16; stereo: channel 0 external, 1 internal; mono: external)")
		tones      = fs.String("tones", "440,1000", "without --wav: customer,agent tones in Hz (external, internal)")
		duration   = fs.Duration("duration", 10*time.Second, "without --wav: how long the tones last")
		insecure   = fs.Bool("insecure", false, "wss://: accept any certificate (a self-signed lab server)")
		asJSON     = fs.Bool("json", false, "print the report as JSON")
		logLevel   = fs.String("log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	)
	fs.StringVar(&cfg.URL, "url", "", "AudioHook server URI, ws:// or wss:// (required)")
	fs.StringVar(&cfg.APIKey, "api-key", "", "X-API-KEY (required)")
	fs.StringVar(&cfg.OrganizationID, "org", ahlab.LabOrganizationID, "Genesys organization id (UUID)")
	fs.StringVar(&cfg.ConversationID, "conversation", "", "conversation id (UUID; default: a new one)")
	fs.StringVar(&cfg.Participant.ID, "participant", "", "participant id (UUID; default: a new one)")
	fs.StringVar(&cfg.Participant.ANI, "ani", "+15551230000", "participant ANI (the customer's number)")
	fs.StringVar(&cfg.Participant.ANIName, "ani-name", "Lab Customer", "participant ANI name")
	fs.StringVar(&cfg.Participant.DNIS, "dnis", "+18005550100", "participant DNIS (the number dialled)")
	fs.StringVar(&cfg.Language, "language", "", "language tag sent in open, e.g. en-US")
	fs.DurationVar(&cfg.Frame, "frame", audiohook.DefaultFrameDuration, "audio per binary frame, sent every frame of real time")
	fs.BoolVar(&cfg.NoPace, "no-pace", false, "send as fast as the connection takes it, not in real time")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: cogito-lab audiohook-client --url URI --api-key K [flags]

Plays Genesys Cloud's AudioHook client: signs the upgrade, opens a session
with the conversation and participant, streams a stereo WAV or two tones in
real time (PCMU frames), follows the server's pause and resume (an opened
startPaused session skips its audio until resumed), pings, closes with
reason end, and prints what happened. Exits 1 when the session did not end
cleanly (lost, error, a disconnect other than completed), 3 when it never
opened.

flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 || cfg.URL == "" || cfg.APIKey == "" {
		fs.Usage()
		return exitUsage
	}
	var err error
	if cfg.Secret, err = clientSecret(*secret, *secretFile); err != nil {
		return usageErr(stderr, "audiohook-client", err)
	}
	if *wav != "" {
		if cfg.Source, err = ahlab.ReadWAVSource(*wav); err != nil {
			return ahRuntimeErr(stderr, "audiohook-client", err)
		}
	} else {
		ts, err := parseFreqs(*tones)
		if err != nil || len(ts) != 2 || *duration <= 0 {
			return usageErr(stderr, "audiohook-client", fmt.Errorf("--tones %q --duration %v: want customer,agent Hz and a duration", *tones, *duration))
		}
		cfg.Source = ahlab.Tones(ts[0], ts[1], *duration)
	}
	if *insecure {
		cfg.TLSConfig = &tls.Config{InsecureSkipVerify: true} // lab servers use self-signed certificates
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr(stderr, "audiohook-client", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	rep, err := ahlab.Play(ctx, cfg)
	if errors.Is(err, ahlab.ErrConfig) {
		return usageErr(stderr, "audiohook-client", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printPlayerReport(stdout, rep)
	}
	switch {
	case rep.Outcome == "refused":
		fmt.Fprintf(stderr, "cogito-lab audiohook-client: %v\n", err)
		return exitRuntime
	case err != nil:
		return exitFailed
	}
	return exitOK
}

// clientSecret decodes the secret from the flag or the file.
func clientSecret(b64, file string) ([]byte, error) {
	if b64 != "" && file != "" {
		return nil, errors.New("--client-secret or --client-secret-file, not both")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		b64 = string(b)
	}
	return audiohook.DecodeSecret(b64)
}

// printPlayerReport prints a player's report for people.
func printPlayerReport(w io.Writer, r ahlab.PlayerReport) {
	fmt.Fprintf(w, "audiohook-client: session %s conversation %s\n", r.SessionID, r.ConversationID)
	if r.Outcome == "refused" {
		fmt.Fprintf(w, "  refused   %s\n", r.Err)
		return
	}
	state := "running"
	if r.OpenedPaused {
		state = "paused (startPaused)"
	}
	fmt.Fprintf(w, "  opened    %s, %s\n", state, r.Media)
	rel := func(ts []time.Time) string {
		parts := make([]string, len(ts))
		for i, t := range ts {
			parts[i] = "+" + t.Sub(r.Opened).Round(time.Millisecond).String()
		}
		return strings.Join(parts, " ")
	}
	if len(r.PausedAt) > 0 {
		fmt.Fprintf(w, "  paused    %s\n", rel(r.PausedAt))
	}
	if len(r.ResumedAt) > 0 {
		fmt.Fprintf(w, "  resumed   %s\n", rel(r.ResumedAt))
	}
	fmt.Fprintf(w, "  audio     sent %v, discarded %v, position %v, rtt %v\n",
		r.AudioSent, r.AudioDiscarded, r.Position, r.RTT.Round(time.Microsecond))
	end := r.Outcome
	if r.Info != "" {
		end += " (" + r.Info + ")"
	}
	if r.Err != "" && r.Outcome != "closed" {
		end += ": " + r.Err
	}
	fmt.Fprintf(w, "  end       %s\n", end)
}
