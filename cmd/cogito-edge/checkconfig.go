package main

import (
	"context"
	"fmt"

	"github.com/cogito/cogito-edge/appliance/config"
)

const checkConfigAbout = `
Validates a config file as "run" would: strict YAML (unknown keys are
errors), every value, the requirements between keys, and the files *_file
keys name (they must exist; secret files must be private, mode 600).

On success prints "ok" and a one-line summary on stdout and exits 0;
warnings, if any, go to stderr. On failure prints every problem on stderr,
one a line as file:line: key: reason, and exits 2.

--no-file-checks skips the file checks, for a build host that validates a
config before it ships with its secrets.

Exit codes:
  0  the config is valid (warnings do not change this)
  2  the config is not valid, or a bad flag`

// cmdCheckConfig is "cogito-edge check-config".
func cmdCheckConfig(_ context.Context, args []string, s streams) int {
	fs := newFlags("check-config", "--config F [--no-file-checks] [--print]", checkConfigAbout)
	path := fs.String("config", "", "config `file` to check (required; installed: /etc/cogito-edge/edge.yaml)")
	noFiles := fs.Bool("no-file-checks", false, "do not check the files *_file keys name")
	printCfg := fs.Bool("print", false, "also print the effective config (file over defaults)")
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	if *path == "" {
		fmt.Fprintln(s.err, "cogito-edge check-config: --config is required (e.g. --config /etc/cogito-edge/edge.yaml)")
		return exitUsage
	}
	cfg, err := config.Load(*path)
	if err == nil && !*noFiles {
		err = cfg.CheckFiles()
	}
	if err != nil {
		fmt.Fprintln(s.err, err)
		return exitUsage
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(s.err, "warning:", w)
	}
	fmt.Fprintln(s.out, "ok")
	fmt.Fprintln(s.out, cfg.Summary())
	if *printCfg {
		fmt.Fprint(s.out, cfg.Redacted())
	}
	return exitOK
}
