package edgeproc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// LogLine is one line of the appliance's JSON log. A line that is not
// JSON (a panic, a message before the logger exists) has only Raw and Msg.
type LogLine struct {
	Time  time.Time
	Level string // DEBUG, INFO, WARN, ERROR
	Msg   string
	// Attrs are the remaining fields. The appliance's JSON may repeat a
	// key; the last value wins here.
	Attrs map[string]any
	Raw   string
}

// Logs reads and parses the appliance's log so far.
func (e *Edge) Logs() ([]LogLine, error) {
	f, err := os.Open(e.logPath)
	if err != nil {
		return nil, fmt.Errorf("edgeproc: log: %w", err)
	}
	defer f.Close()
	return ParseLogs(f)
}

// ParseLogs parses JSON log lines (slog's JSONHandler format).
func ParseLogs(r io.Reader) ([]LogLine, error) {
	var out []LogLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		raw := sc.Text()
		if strings.TrimSpace(raw) == "" {
			continue
		}
		l := LogLine{Raw: raw, Msg: raw}
		var m map[string]any
		if json.Unmarshal([]byte(raw), &m) == nil {
			l.Msg, _ = m["msg"].(string)
			l.Level, _ = m["level"].(string)
			if t, ok := m["time"].(string); ok {
				l.Time, _ = time.Parse(time.RFC3339Nano, t)
			}
			delete(m, "msg")
			delete(m, "level")
			delete(m, "time")
			l.Attrs = m
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("edgeproc: log: %w", err)
	}
	return out, nil
}

// LogTail returns the last n lines of the log, for error messages.
func (e *Edge) LogTail(n int) string { return e.logTailFrom(0, n) }

// logTailFrom returns the last n lines of the log after byte offset from.
func (e *Edge) logTailFrom(from int64, n int) string {
	data, err := os.ReadFile(e.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if from > 0 && from <= int64(len(data)) {
		data = data[from:]
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
