package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, data string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	secret := writeFile(t, dir, "wg.key", "x\n", 0o600)
	loose := writeFile(t, dir, "loose.key", "x\n", 0o644)
	tunnel := func(key string) string {
		return "cti: {source: \"cloud,api\"}\ncloud:\n  control_url: ws://10.99.0.1:7000/v1/edge\n  tunnel:\n" +
			"    private_key_file: " + key + "\n    address: 10.99.0.2/32\n" +
			"    peer: {public_key: hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=, endpoint: \"cloud.example:51820\"}\n"
	}
	tests := map[string]struct {
		yaml   string
		flags  []string
		code   int
		stdout []string
		stderr []string
	}{
		"empty file is defaults": {"", nil, exitOK, []string{"ok\n", "sip udp:127.0.0.1:5060"}, nil},
		"warning":                {"media: {ports: 20000-20099}\n", nil, exitOK, []string{"ok\n"}, []string{"warning: ", "25 two-leg sessions"}},
		"good with files":        {tunnel(secret) + "media: {ports: 20000-29999}\n", nil, exitOK, []string{"ok\n", "cti cloud,api"}, nil},
		"print":                  {"sink: local\n", []string{"--print"}, exitOK, []string{"ok\n", "match_timeout: 1m0s"}, nil},
		"unknown key":            {"sip:\n  lisen: []\n", nil, exitUsage, nil, []string{"edge.yaml:2: sip.lisen: unknown key"}},
		"two errors":             {"log: {level: loud}\nmedia: {ports: 1-2}\n", nil, exitUsage, nil, []string{"edge.yaml:1: log.level: ", "\n", "edge.yaml:2: media.ports: "}},
		"missing secret file":    {tunnel(filepath.Join(dir, "nope.key")), nil, exitUsage, nil, []string{"cloud.tunnel.private_key_file: ", "no such file"}},
		"loose secret file":      {tunnel(loose), nil, exitUsage, nil, []string{"mode 0644"}},
		"no file checks":         {tunnel(filepath.Join(dir, "nope.key")), []string{"--no-file-checks"}, exitOK, []string{"ok\n"}, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "edge.yaml", tt.yaml, 0o644)
			args := append([]string{"check-config", "--config", path}, tt.flags...)
			code, out, errs := cli(t, t.Context(), "", args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if code == exitOK && !strings.HasPrefix(out, "ok\n") {
				t.Errorf("stdout does not start with ok: %q", out)
			}
			if code != exitOK && out != "" {
				t.Errorf("stdout on failure: %q", out)
			}
		})
	}
}
