package main

import (
	"runtime/debug"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-11-24T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := map[string]struct {
		bi      *debug.BuildInfo
		v, c, d string
		want    string
	}{
		"ldflags win":     {vcs, "1.5.0", "feedbee", "2026-11-25T01:00:00Z", "cogito-edge 1.5.0 (commit feedbee, built 2026-11-25T01:00:00Z, go1.26.8)"},
		"build info":      {vcs, "", "", "", "cogito-edge v1.4.0 (commit 0123abcd-dirty, built 2026-11-24T12:00:00Z, go1.26.8)"},
		"devel, no stamp": {&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "", "", "", "cogito-edge dev (commit unknown, built unknown, go1.26.8)"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := resolveVersion(tt.bi, tt.v, tt.c, tt.d).String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	if got := resolveVersion(nil, "", "", ""); got.version != "dev" || got.goVersion == "" {
		t.Fatalf("no build info: %+v", got)
	}
}
