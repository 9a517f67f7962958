package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// cli runs the command line with its own streams and returns the exit code,
// stdout and stderr.
func cli(t *testing.T, ctx context.Context, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(ctx, args, streams{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestDispatch(t *testing.T) {
	tests := map[string]struct {
		args    []string
		code    int
		stdout  string // contains
		stderr  string // contains
		quietOK bool   // nothing on stderr
	}{
		"no command":       {nil, exitUsage, "", "usage: cogito-edge <command>", false},
		"unknown command":  {[]string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`, false},
		"help":             {[]string{"help"}, exitOK, "commands:", "", true},
		"-h":               {[]string{"-h"}, exitOK, "check-config", "", true},
		"--help":           {[]string{"--help"}, exitOK, "exit codes: 0 ok, 1 runtime failure, 2 usage or config error", "", true},
		"help run":         {[]string{"help", "run"}, exitOK, "usage: cogito-edge run [--config F]", "", true},
		"--version":        {[]string{"--version"}, exitOK, "cogito-edge ", "", true},
		"run -h":           {[]string{"run", "-h"}, exitOK, "-config file", "", true},
		"check-config -h":  {[]string{"check-config", "--help"}, exitOK, "--no-file-checks", "", true},
		"genkey -h":        {[]string{"genkey", "-h"}, exitOK, "wg genkey", "", true},
		"pubkey -h":        {[]string{"pubkey", "-h"}, exitOK, "wg pubkey", "", true},
		"calls -h":         {[]string{"calls", "-h"}, exitOK, "-admin address", "", true},
		"version -h":       {[]string{"version", "-h"}, exitOK, "build date", "", true},
		"status -h":        {[]string{"status", "-h"}, exitOK, "3  running but not ready", "", true},
		"help status":      {[]string{"help", "status"}, exitOK, "usage: cogito-edge status", "", true},
		"help unknown":     {[]string{"help", "frobnicate"}, exitUsage, "", `unknown command "frobnicate"`, false},
		"bad key":          {[]string{"pubkey"}, exitUsage, "", "not a WireGuard key", false},
		"bad flag":         {[]string{"run", "--colour"}, exitUsage, "", "flag provided but not defined: -colour", false},
		"stray argument":   {[]string{"genkey", "extra"}, exitUsage, "", `unexpected argument "extra"`, false},
		"run missing file": {[]string{"run", "--config", "/nonexistent/edge.yaml"}, exitUsage, "", "no such file", false},
		"check no config":  {[]string{"check-config"}, exitUsage, "", "--config is required", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errs := cli(t, t.Context(), "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			if !strings.Contains(out, tt.stdout) || !strings.Contains(errs, tt.stderr) {
				t.Fatalf("stdout %q want %q\nstderr %q want %q", out, tt.stdout, errs, tt.stderr)
			}
			if tt.quietOK && errs != "" {
				t.Fatalf("stderr not empty: %s", errs)
			}
		})
	}
}

// run with no config starts the loopback lab recorder and returns when the
// context ends; the log is JSON on stderr.
func TestRunStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	code, _, errs := cli(t, ctx, "", "run")
	if code == exitUsage {
		t.Fatalf("exit %d: %s", code, errs)
	}
	first := strings.SplitN(errs, "\n", 2)[0]
	if !strings.HasPrefix(first, `{"time":`) || !strings.Contains(errs, `"msg":"starting"`) ||
		!strings.Contains(errs, "sip udp:127.0.0.1:5060,tcp:127.0.0.1:5060") {
		t.Fatalf("log:\n%s", errs)
	}
}

// Every command answers "help X" and "X -h" the same way: its usage line,
// what it does and its exit codes on stdout, exit 0, nothing on stderr.
func TestHelpEveryCommand(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{"help", c.name}, {c.name, "-h"}, {c.name, "--help"}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errs := cli(t, t.Context(), "", args...)
				if code != exitOK || errs != "" {
					t.Fatalf("exit %d, stderr %q", code, errs)
				}
				for _, want := range []string{"usage: cogito-edge " + c.name, "Exit codes", "0 ", "2 "} {
					if !strings.Contains(out, want) {
						t.Errorf("help lacks %q:\n%s", want, out)
					}
				}
				if len(strings.Split(strings.TrimSpace(out), "\n")) < 3 {
					t.Errorf("help too short:\n%s", out)
				}
			})
		}
		if !strings.Contains(usageText(t), "  "+c.name+" ") {
			t.Errorf("the command list lacks %s", c.name)
		}
	}
}

func usageText(t *testing.T) string {
	t.Helper()
	_, out, _ := cli(t, t.Context(), "", "help")
	return out
}
