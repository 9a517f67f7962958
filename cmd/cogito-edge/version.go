package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time; the Makefile does:
//
//	go build -ldflags "-X main.version=1.2.3 -X main.commit=abc1234 -X main.date=2026-11-25T01:00:00Z"
//
// These are the one exception to "no package state": -X can only set
// package-level string variables. Empty ones fall back to the module
// version and VCS stamps in the binary's build info.
var (
	version string
	commit  string
	date    string
)

// versionInfo is what "version" prints.
type versionInfo struct {
	version, commit, date, goVersion string
}

// buildVersion resolves the version from the -X variables, then build info.
func buildVersion() versionInfo {
	bi, _ := debug.ReadBuildInfo()
	return resolveVersion(bi, version, commit, date)
}

func resolveVersion(bi *debug.BuildInfo, v, c, d string) versionInfo {
	out := versionInfo{version: v, commit: c, date: d, goVersion: runtime.Version()}
	if bi != nil {
		if out.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			out.version = bi.Main.Version
		}
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if out.commit == "" {
					out.commit = s.Value
				}
			case "vcs.time":
				if out.date == "" {
					out.date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && c == "" && out.commit != "" {
			out.commit += "-dirty"
		}
		if bi.GoVersion != "" {
			out.goVersion = bi.GoVersion
		}
	}
	if out.version == "" {
		out.version = "dev"
	}
	if out.commit == "" {
		out.commit = "unknown"
	}
	if out.date == "" {
		out.date = "unknown"
	}
	return out
}

// String is the one line "version" prints.
func (v versionInfo) String() string {
	return fmt.Sprintf("cogito-edge %s (commit %s, built %s, %s)", v.version, v.commit, v.date, v.goVersion)
}

// cmdVersion is "cogito-edge version".
func cmdVersion(_ context.Context, args []string, s streams) int {
	fs := newFlags("version", "", "Prints the version, commit, build date and Go version.\n\nExit codes: 0 printed; 2 usage error.")
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	fmt.Fprintln(s.out, buildVersion())
	return exitOK
}
