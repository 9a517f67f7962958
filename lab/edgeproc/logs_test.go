package edgeproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLogs(t *testing.T) {
	in := `{"time":"2026-11-25T01:58:25.781035593Z","level":"WARN","msg":"config warning","appliance":"vm","warning":"x"}
{"time":"2026-11-25T01:58:25.781860143Z","level":"INFO","msg":"media: engine started","component":"media","component":"media","workers":2}

panic: boom
`
	lines, err := ParseLogs(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		level, msg string
		attr       string
	}{
		{"WARN", "config warning", "warning"},
		{"INFO", "media: engine started", "workers"},
		{"", "panic: boom", ""},
	}
	if len(lines) != len(tests) {
		t.Fatalf("%d lines: %+v", len(lines), lines)
	}
	for i, tt := range tests {
		l := lines[i]
		if l.Level != tt.level || l.Msg != tt.msg {
			t.Errorf("line %d: %+v", i, l)
		}
		if tt.attr != "" {
			if _, ok := l.Attrs[tt.attr]; !ok || l.Time.IsZero() {
				t.Errorf("line %d: attrs %v time %v", i, l.Attrs, l.Time)
			}
		}
	}
}

func TestLogTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "edge.log")
	if err := os.WriteFile(p, []byte("a\nb\nc\nd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &Edge{logPath: p}
	tests := map[string]struct {
		from int64
		n    int
		want string
	}{
		"last two":    {0, 2, "c\nd"},
		"all":         {0, 10, "a\nb\nc\nd"},
		"after start": {4, 10, "c\nd"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := e.logTailFrom(tt.from, tt.n); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got := (&Edge{logPath: "/nonexistent/x"}).LogTail(3); !strings.HasPrefix(got, "(no log") {
		t.Fatalf("got %q", got)
	}
}
