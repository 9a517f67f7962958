// Command cogito-edge is the SIPREC recording appliance's daemon and its
// operator CLI:
//
//	cogito-edge run [--config F]           run the appliance (no config: a loopback lab recorder)
//	cogito-edge check-config --config F    validate a config file
//	cogito-edge genkey | pubkey            WireGuard keys, as wg genkey / wg pubkey
//	cogito-edge status [--admin A] [--json] readiness, tunnel, CTI, calls (exit 3: not ready)
//	cogito-edge calls [--admin A] [--json] list live calls from the admin API
//	cogito-edge version                    version, commit and build date
//
// Exit codes, for scripts: 0 ok, 1 runtime failure, 2 usage or config error;
// status also exits 3 when the appliance runs but is not ready.
//
// This package only parses flags and calls into appliance/*; the work is
// done there (DESIGN §2).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // bad flags or a bad config: fix the input, do not retry
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// streams are a command's standard files, so tests can supply their own.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, s streams) int
}

func commands() []command {
	return []command{
		{"run", "run the appliance until SIGINT or SIGTERM", cmdRun},
		{"check-config", "validate a config file and print a summary", cmdCheckConfig},
		{"genkey", "print a new WireGuard private key (as wg genkey)", cmdGenkey},
		{"pubkey", "read a private key on stdin, print its public key (as wg pubkey)", cmdPubkey},
		{"status", "readiness, tunnel, CTI and calls from the admin API", cmdStatus},
		{"calls", "list live calls from the admin API", cmdCalls},
		{"version", "print version, commit and build date", cmdVersion},
	}
}

// run dispatches to a subcommand and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	return dispatch(context.Background(), args, streams{in: os.Stdin, out: stdout, err: stderr})
}

func dispatch(ctx context.Context, args []string, s streams) int {
	if len(args) == 0 {
		usage(s.err)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			return dispatch(ctx, []string{args[1], "-h"}, s)
		}
		usage(s.out)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], s)
		}
	}
	fmt.Fprintf(s.err, "cogito-edge: unknown command %q\n\n", name)
	usage(s.err)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cogito-edge <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `"cogito-edge help <command>" or "cogito-edge <command> -h" describes a command.`)
	fmt.Fprintln(w, "exit codes: 0 ok, 1 runtime failure, 2 usage or config error;")
	fmt.Fprintln(w, "status also exits 3 when the appliance runs but is not ready.")
}

// newFlags returns a flag set whose help text is synopsis, then about, then
// the flags.
func newFlags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: cogito-edge %s %s\n\n%s\n", name, synopsis, strings.TrimSpace(about))
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args. It returns done with the exit code when the
// command must stop: 0 after -h (help on stdout), 2 after a bad flag or a
// stray argument (message and help on stderr).
func parseFlags(fs *flag.FlagSet, args []string, s streams) (code int, done bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(s.out)
		fs.Usage()
		return exitOK, true
	default:
		fmt.Fprintf(s.err, "cogito-edge %s: %v\n", fs.Name(), err)
		fs.SetOutput(s.err)
		fs.Usage()
		return exitUsage, true
	}
}
