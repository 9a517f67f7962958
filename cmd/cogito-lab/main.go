// Command cogito-lab is the lab toolbox of cogito-edge: a SIPREC call
// generator playing an Oracle SBC, a writer of RTP pcaps for SIPp, and an
// analyser of stereo recordings.
//
//	cogito-lab call     place SIPREC calls against an SRS (load, SRTP, CTI)
//	cogito-lab pcap     write a multi-leg RTP tone pcap for SIPp's pcap_play
//	cogito-lab analyze  check a WAV's per-channel tone, level and duration
//	cogito-lab lab      run the appliance binary and prove it end to end
//	cogito-lab bench    ramp active calls on the appliance until packets are lost
//	cogito-lab udpsink  a bare UDP reader, the bench's baseline
//	cogito-lab cloud    the cloud simulator: WireGuard peer, control channel, AudioHook ingest, CTI API, Genesys tracker
//	cogito-lab genesys  the Genesys Cloud simulator: OAuth, users, notifications, scripted calls, faults
//	cogito-lab audiohook-client  stream a WAV or tones to an AudioHook server, as Genesys does
//	cogito-lab audiohook-server  the cloud's AudioHook ingest, writing WAV + JSON per session
//	cogito-lab help     show help for a command
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // the command ran and something failed (calls, expectations)
	exitUsage   = 2
	exitRuntime = 3 // the command could not run (bad file, bind error)
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"call", "place SIPREC calls against a recording server", runCall},
		{"pcap", "write a multi-leg RTP tone pcap for SIPp's play_pcap_audio", runPcap},
		{"analyze", "report per-channel tone, RMS and duration of a WAV; check expectations", runAnalyze},
		{"lab", "run the appliance binary and prove it end to end (SIPp, callgen, SRTP)", runLab},
		{"bench", "ramp concurrent active calls on the appliance binary until packets are lost", runBench},
		{"udpsink", "a bare UDP reader, the bench's baseline receiver", runUDPSink},
		{"cloud", "play the Cogito cloud: WireGuard peer, control channel, AudioHook ingest, CTI injection API, Genesys tracker", runCloud},
		{"genesys", "play Genesys Cloud: OAuth, users, notification channels and sockets, scripted calls, faults", runGenesys},
		{"audiohook-client", "play a Genesys AudioHook client: stream a stereo WAV or tones to an AudioHook URI", runAudioHookClient},
		{"audiohook-server", "play the cloud's AudioHook ingest: write each session as stereo WAV + JSON", runAudioHookServer},
		{"help", "show help for a command", runHelp},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to the subcommand named by args[0]; SIGINT and SIGTERM
// cancel it (a call run then hangs up its calls and reports).
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "cogito-lab: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cogito-lab <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'cogito-lab help <command>' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cogito-lab "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseInterspersed parses flags that may follow positional arguments
// ("analyze rec.wav --expect 0:440") and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
