package siprec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/emiago/sipgo/sip"
)

// seedFiles returns every .sip fixture.
func seedFiles(f *testing.F) map[string][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.sip"))
	if err != nil {
		f.Fatal(err)
	}
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

// within reports whether part is nil, empty or a slice of whole.
func within(whole, part []byte) bool {
	if len(part) == 0 {
		return true
	}
	if len(whole) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(whole)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(part)))
	return p >= start && p+uintptr(len(part)) <= start+uintptr(len(whole))
}

func FuzzSplitBody(f *testing.F) {
	for name, b := range seedFiles(f) {
		if ct, ok := bodyFixtures[name]; ok {
			f.Add(ct, b)
			f.Add(ct, toCRLF(b))
			continue
		}
		if req, err := sip.NewParser().ParseSIP(toCRLF(b)); err == nil {
			f.Add(contentType(req.(*sip.Request)), req.Body())
		}
	}
	f.Add(`multipart/mixed; boundary="b"`, []byte("--b\r\nContent-Length: 3\r\n\r\nv=0\r\n--b--"))
	f.Add("multipart/mixed;boundary=b", []byte("--b\n\n--b\n\n--b--"))
	f.Add("application/rs-metadata", []byte(metaText))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		b, err := SplitBody(ct, body)
		if len(body) > MaxBodySize && !errors.Is(err, ErrBodyTooLarge) {
			t.Fatalf("oversize body: err = %v", err)
		}
		if b == nil {
			if err == nil {
				t.Fatal("nil body without error")
			}
			return
		}
		if err != nil && !errors.Is(err, ErrNoSDP) {
			t.Fatalf("body returned with error %v", err)
		}
		if err == nil && b.SDP == nil {
			t.Fatal("no SDP without ErrNoSDP")
		}
		if !within(body, b.SDP) || !within(body, b.Metadata) {
			t.Fatal("part outside the input")
		}
		for _, p := range b.Other {
			if !within(body, p.Body) {
				t.Fatal("other part outside the input")
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	for name, b := range seedFiles(f) {
		ct, ok := bodyFixtures[name]
		var body *Body
		if ok {
			body, _ = SplitBody(ct, b)
		} else if req, err := sip.NewParser().ParseSIP(toCRLF(b)); err == nil {
			body, _ = SplitBody(contentType(req.(*sip.Request)), req.Body())
		}
		if body != nil && body.Metadata != nil {
			f.Add(body.Metadata)
		}
	}
	f.Add([]byte(billionLaughs))
	f.Add([]byte(nested(40)))
	f.Add([]byte(`<recording><participant id="a"><send><id>x</id></send></participant><stream id="x"><label>1</label></stream></recording>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		m, err := ParseMetadata(doc)
		if errors.Is(err, ErrHostileMetadata) {
			if m != nil {
				t.Fatal("hostile input returned a model")
			}
			return
		}
		if m == nil {
			t.Fatalf("nil model, err %v", err)
		}
		if err != nil && !errors.Is(err, ErrMalformedMetadata) {
			t.Fatalf("unexpected error class: %v", err)
		}
		for _, s := range m.Streams {
			if s.Sender != "" && m.participant(s.Sender) < 0 {
				t.Fatalf("stream %q has unknown sender %q", s.ID, s.Sender)
			}
		}
		keys := m.Keys()
		_ = m.Roles()
		var acc Metadata
		acc.Apply(m)
		acc.Apply(&Metadata{DataMode: DataModePartial, Participants: m.Participants, Streams: m.Streams})
		acc.Apply(m)
		for _, k := range keys.Keys() {
			if !acc.Keys().Has(k) {
				t.Fatalf("key %v lost by Apply", k)
			}
		}
		for _, p := range acc.Participants {
			if p.Left() {
				t.Fatal("Apply kept a participant that left")
			}
		}
	})
}

func FuzzIsRecording(f *testing.F) {
	for name, b := range seedFiles(f) {
		if _, ok := bodyFixtures[name]; !ok {
			f.Add(toCRLF(b))
		}
	}
	f.Add(rawInvite([]string{"Contact: <sip:a@b;+sip.src>", "Require: 100rel,siprec", "User-to-User: 04FA08004762C169FA480C;encoding=hex"}, "", ""))
	f.Add(rawInvite([]string{`m: "x;+sip.src" <sip:a@b>;src`}, "application/rs-metadata", metaText))
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg, err := sip.NewParser().ParseSIP(raw)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		_ = IsRecording(req)
		_ = HeaderKeys(req)
		rec, _ := Parse(req)
		if rec == nil {
			t.Fatal("Parse returned no Recording")
		}
		if rec.Body != nil && !within(req.Body(), rec.Body.SDP) {
			t.Fatal("SDP outside the body")
		}
	})
}
