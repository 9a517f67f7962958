package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a config, located by file, line and dotted key
// (sip.listen[2], cloud.relay.url). It wraps one of the sentinels in
// errors.go.
type Error struct {
	File string // "" for a config that did not come from a file
	Line int    // 0 when the key was not written in the file (a default)
	Key  string // dotted path; "" for a problem with the whole document
	Msg  string
	Err  error // the sentinel
}

// Error formats as "edge.yaml:12: media.ports: msg", the form compilers use,
// so editors and operators can jump to the line.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File + ":" + strconv.Itoa(e.Line))
	case e.File != "":
		b.WriteString(e.File)
	default:
		b.WriteString("config")
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// source remembers where keys were written. lines maps a dotted key (and
// list elements as key[i]) to the line of the key, or of the element.
type source struct {
	name  string
	lines map[string]int
}

// line returns the line of key or, failing that, of its nearest written
// parent, so that a problem with a default inside a written section still
// points somewhere useful. 0 means nowhere.
func (s source) line(key string) int {
	for k := key; k != ""; {
		if n, ok := s.lines[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// report collects problems so that all of them are returned together.
type report struct {
	src  source
	errs []*Error
}

// add records a problem with key, located by the source.
func (r *report) add(key string, sentinel error, format string, args ...any) {
	r.errs = append(r.errs, &Error{
		File: r.src.name,
		Line: r.src.line(key),
		Key:  key,
		Msg:  fmt.Sprintf(format, args...),
		Err:  sentinel,
	})
}

// addAt records a problem at a known line (decoding knows it exactly).
func (r *report) addAt(line int, key string, sentinel error, format string, args ...any) {
	r.errs = append(r.errs, &Error{
		File: r.src.name,
		Line: line,
		Key:  key,
		Msg:  fmt.Sprintf(format, args...),
		Err:  sentinel,
	})
}

// sorted returns the problems in file order. Problems with no line
// (requirements between defaults) come last, after the lines an operator
// can go and fix.
func (r *report) sorted() []*Error {
	order := func(e *Error) int {
		if e.Line == 0 {
			return int(^uint(0) >> 1)
		}
		return e.Line
	}
	sort.SliceStable(r.errs, func(i, j int) bool { return order(r.errs[i]) < order(r.errs[j]) })
	return r.errs
}

// err returns the problems in file order, joined one a line, or nil.
func (r *report) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	var errs []error
	for _, e := range r.sorted() {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}
