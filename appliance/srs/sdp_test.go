package srs_test

import (
	"strconv"
	"strings"
	"testing"
)

// sdpMedia is one m= line of the server's SDP, for assertions.
type sdpMedia struct {
	port  int
	proto string
	fmts  []string
	attrs []string // a= values in order
}

func (m sdpMedia) attr(name string) (string, bool) {
	for _, a := range m.attrs {
		k, v, _ := strings.Cut(a, ":")
		if k == name {
			return v, true
		}
	}
	return "", false
}

func (m sdpMedia) label() string { l, _ := m.attr("label"); return l }

// direction returns the direction attribute, "" when none.
func (m sdpMedia) direction() string {
	for _, a := range m.attrs {
		switch a {
		case "sendrecv", "sendonly", "recvonly", "inactive":
			return a
		}
	}
	return ""
}

type sdpDoc struct {
	origin string
	conn   string
	media  []sdpMedia
}

// parseSDP reads the server's SDP strictly enough for tests: it must be
// CRLF-terminated lines with v= first.
func parseSDP(t testing.TB, body []byte) sdpDoc {
	t.Helper()
	s := string(body)
	if !strings.HasPrefix(s, "v=0\r\n") {
		t.Fatalf("SDP does not start with v=0 CRLF:\n%s", s)
	}
	var d sdpDoc
	for l := range strings.SplitSeq(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("bad SDP line %q", l)
		}
		switch k {
		case "o":
			d.origin = v
		case "c":
			if len(d.media) == 0 {
				d.conn = v
			}
		case "m":
			f := strings.Fields(v)
			if len(f) < 3 {
				t.Fatalf("bad m= line %q", l)
			}
			port, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("bad m= port %q", l)
			}
			d.media = append(d.media, sdpMedia{port: port, proto: f[2], fmts: f[3:]})
		case "a":
			if len(d.media) > 0 {
				d.media[len(d.media)-1].attrs = append(d.media[len(d.media)-1].attrs, v)
			}
		}
	}
	return d
}

// version returns the o= version of the SDP.
func (d sdpDoc) version() string {
	f := strings.Fields(d.origin)
	if len(f) < 3 {
		return ""
	}
	return f[2]
}

// checkLines asserts that the SDP answers labels in order, every accepted
// line with dir.
func checkLines(t testing.TB, d sdpDoc, dir string, labels ...string) {
	t.Helper()
	if len(d.media) != len(labels) {
		t.Fatalf("SDP has %d m-lines, want %d", len(d.media), len(labels))
	}
	for i, m := range d.media {
		if got := m.label(); got != labels[i] {
			t.Errorf("m-line %d label %q, want %q", i, got, labels[i])
		}
		if m.port == 0 {
			continue
		}
		if got := m.direction(); got != dir {
			t.Errorf("m-line %d direction %q, want %q", i, got, dir)
		}
	}
}
