package siprec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of ParseMetadata. Real documents are 1-6 KiB, 4-8 levels deep,
// with 2-4 participants and streams and well under 200 elements; anything
// past these limits is hostile.
const (
	// MaxMetadataSize bounds the metadata document.
	MaxMetadataSize = 64 << 10
	maxDepth        = 32
	maxElements     = 2048
	maxParticipants = 256
	maxStreams      = 256
	maxAttrs        = 32
	maxValueLen     = 4096 // one attribute value or one text run
)

// ParseMetadata parses an rs-metadata document (RFC 7865, Oracle's form and
// the old siprec draft) into a Metadata.
//
// Hostile input (a DTD or entity declaration, more than MaxMetadataSize
// bytes, deeper than 32 levels, too many elements, participants, streams or
// attributes, or an oversize value) returns nil and an error wrapping
// ErrHostileMetadata.
//
// Input that is not well-formed XML never fails a call: ParseMetadata first
// repairs Oracle's unescaped "<sip:…>" in apkt:request-uri and parses again;
// failing that it extracts keys, participants and streams by pattern. Either
// way it returns the Metadata it has and an error wrapping
// ErrMalformedMetadata.
func ParseMetadata(b []byte) (*Metadata, error) {
	if err := checkHostile(b); err != nil {
		return nil, fmt.Errorf("siprec: parse metadata: %w", err)
	}
	m, err := parseXML(compact(b))
	if err == nil {
		return m, nil
	}
	if !errors.Is(err, ErrHostileMetadata) {
		// Parse the original again so that the error names the SBC's own
		// line numbers; the slow path is rare and cheap enough.
		if _, orig := parseXML(b); orig != nil {
			err = orig
		}
	}
	if errors.Is(err, ErrHostileMetadata) {
		return nil, fmt.Errorf("siprec: parse metadata: %w", err)
	}
	if fixed, ok := repairURIs(b); ok {
		if m, err2 := parseXML(fixed); err2 == nil {
			return m, fmt.Errorf("siprec: parse metadata: %w: repaired unescaped URI: %w", ErrMalformedMetadata, err)
		}
	}
	return salvage(b), fmt.Errorf("siprec: parse metadata: %w: keys extracted by pattern: %w", ErrMalformedMetadata, err)
}

// frame is one open element.
type frame struct {
	kind   elem
	name   xml.Name // prefix and local name, to match the end tag
	idx    int      // participant or stream index for their elements, else -1
	label  string   // apkt:header label
	valued bool     // apkt:header had a <value>
}

// parser holds the state of one parseXML run.
type parser struct {
	m        *Metadata
	stack    []frame
	buf      [maxDepth]frame
	text     []byte
	elements int
	sawRoot  bool
}

// parseXML parses b strictly. Limit violations wrap ErrHostileMetadata;
// anything else is a plain well-formedness error. RawToken is used rather
// than Token because it skips namespace translation (local names are all we
// match) and is faster; the parser checks tag balance itself.
func parseXML(b []byte) (*Metadata, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = charsetReader
	p := &parser{m: &Metadata{}}
	p.stack = p.buf[:0]
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			err = p.start(t)
		case xml.EndElement:
			err = p.end(t)
		case xml.CharData:
			if len(p.text)+len(t) > maxValueLen {
				err = fmt.Errorf("%w: text longer than %d bytes", ErrHostileMetadata, maxValueLen)
			} else if len(p.stack) > 0 {
				p.text = append(p.text, t...)
			}
		case xml.Directive:
			err = fmt.Errorf("%w: markup declaration <!%.20s", ErrHostileMetadata, t)
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if len(p.stack) > 0 {
		return nil, fmt.Errorf("unexpected end of document inside <%s>", p.stack[len(p.stack)-1].name.Local)
	}
	if !p.sawRoot {
		return nil, errors.New("no recording element")
	}
	p.m.linkSenders()
	return p.m, nil
}

// start handles an opening tag.
func (p *parser) start(t xml.StartElement) error {
	if len(p.stack) == maxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrHostileMetadata, maxDepth)
	}
	if p.elements++; p.elements > maxElements {
		return fmt.Errorf("%w: more than %d elements", ErrHostileMetadata, maxElements)
	}
	if len(t.Attr) > maxAttrs {
		return fmt.Errorf("%w: more than %d attributes", ErrHostileMetadata, maxAttrs)
	}
	for _, a := range t.Attr {
		if len(a.Value) > maxValueLen {
			return fmt.Errorf("%w: attribute longer than %d bytes", ErrHostileMetadata, maxValueLen)
		}
	}
	f := frame{kind: kindOf(t.Name.Local), name: t.Name, idx: -1}
	if len(p.stack) == 0 {
		if f.kind != elRecording {
			return fmt.Errorf("root element <%s> is not <recording>", t.Name.Local)
		}
		p.sawRoot = true
	}
	var err error
	switch f.kind {
	case elGroup:
		if p.m.GroupID == "" {
			p.m.GroupID = attr(t.Attr, "group_id", "id")
		}
	case elSession:
		sid := attr(t.Attr, "session_id", "id")
		if p.m.SessionID == "" {
			p.m.SessionID = sid
		}
		harvestSessionID(p.m, sid)
	case elParticipant, elPSessAssoc, elPStreamAssoc:
		if id := attr(t.Attr, "participant_id", "id"); id != "" {
			if f.idx, err = p.participant(id); err != nil {
				return err
			}
			if sid := attr(t.Attr, "session", "session_id"); sid != "" && f.kind != elPStreamAssoc {
				p.m.Participants[f.idx].SessionID = sid
			}
		}
	case elStream:
		if id := attr(t.Attr, "stream_id", "id"); id != "" {
			if f.idx, err = p.streamIdx(id); err != nil {
				return err
			}
			if sid := attr(t.Attr, "session_id", "session"); sid != "" {
				p.m.Streams[f.idx].SessionID = sid
			}
		}
	case elNameID:
		if i := p.owner(); i >= 0 && p.m.Participants[i].AOR == "" {
			p.m.Participants[i].AOR = attr(t.Attr, "aor", "")
		}
	case elHeader:
		f.label = attr(t.Attr, "label", "")
	}
	p.stack = append(p.stack, f)
	p.text = p.text[:0]
	return nil
}

// end handles a closing tag: leaf values are taken here, once their text
// is complete.
func (p *parser) end(t xml.EndElement) error {
	if len(p.stack) == 0 {
		return fmt.Errorf("unexpected </%s>", t.Name.Local)
	}
	f := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	if f.name != t.Name {
		return fmt.Errorf("<%s> closed by </%s>", f.name.Local, t.Name.Local)
	}
	parent := p.parentKind()
	owner := p.owner()
	switch f.kind {
	case elDataMode:
		p.m.DataMode = DataMode(strings.ToLower(p.value()))
	case elName:
		if parent == elNameID && owner >= 0 && p.m.Participants[owner].Name == "" {
			p.m.Participants[owner].Name = p.value()
		}
	case elSend, elRecv, elID:
		dir := f.kind
		if f.kind == elID {
			dir = parent // BroadWorks: <send><id>stream</id></send>
		}
		if owner >= 0 && (dir == elSend || dir == elRecv) {
			if v := p.value(); v != "" {
				pp := &p.m.Participants[owner]
				if dir == elSend {
					pp.Send = addUnique(pp.Send, v)
				} else {
					pp.Recv = addUnique(pp.Recv, v)
				}
			}
		}
	case elAssociate, elDisassociate:
		if (parent == elParticipant || parent == elPSessAssoc) && owner >= 0 {
			if f.kind == elAssociate {
				p.m.Participants[owner].AssociateTime = p.value()
			} else {
				p.m.Participants[owner].DisassociateTime = p.value()
			}
		}
	case elLabel, elMode:
		if i := p.streamOwner(); i >= 0 && parent == elStream {
			if f.kind == elLabel {
				p.m.Streams[i].Label = p.value()
			} else {
				p.m.Streams[i].Mode = p.value()
			}
		}
	case elSIPSessionID:
		if p.m.SIPSessionID == "" {
			p.m.SIPSessionID = p.value()
		}
	case elUCID:
		p.m.UCIDs = addValue(p.m.UCIDs, p.value())
	case elCallerOrig:
		p.m.CallerOrig = strings.ToLower(p.value())
	case elCallingParty, elRequestURI, elRealm:
		if owner >= 0 && p.within(elExtension) {
			setParticipantExt(&p.m.Participants[owner], f.kind, p.value())
		}
	case elValue:
		if parent == elHeader {
			h := &p.stack[len(p.stack)-1]
			h.valued = true
			p.header(owner, h.label, p.value())
		}
	case elHeader:
		if !f.valued {
			if v := p.value(); v != "" {
				p.header(owner, f.label, v) // <apkt:header label="X">V</apkt:header>
			}
		}
	case elCallID:
		if p.within(elCallData) {
			p.m.CallIDs = addValue(p.m.CallIDs, p.value())
		}
	case elGCID:
		if p.within(elCallData) && p.m.GCID == "" {
			p.m.GCID = p.value()
		}
	}
	p.text = p.text[:0]
	return nil
}

// setParticipantExt stores one Oracle participant extension value.
func setParticipantExt(pp *Participant, k elem, v string) {
	switch k {
	case elCallingParty:
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			pp.Party = PartyCalling
		case "false", "0", "no":
			pp.Party = PartyCalled
		}
	case elRequestURI:
		pp.RequestURI = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	case elRealm:
		pp.Realm = v
	}
}

// header records an apkt:header for the owning participant and harvests its
// keys. Keys are harvested even outside a participant so that none is lost.
func (p *parser) header(owner int, label, value string) {
	if value == "" {
		return
	}
	if owner >= 0 {
		pp := &p.m.Participants[owner]
		pp.Headers = append(pp.Headers, ExtHeader{Label: label, Value: value})
	}
	harvestHeader(p.m, label, value)
}

// value returns the current element's text, trimmed.
func (p *parser) value() string {
	return string(bytes.TrimSpace(p.text))
}

// parentKind returns the kind of the innermost open element.
func (p *parser) parentKind() elem {
	if len(p.stack) == 0 {
		return elOther
	}
	return p.stack[len(p.stack)-1].kind
}

// within reports whether an element of kind k is open.
func (p *parser) within(k elem) bool {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if p.stack[i].kind == k {
			return true
		}
	}
	return false
}

// owner returns the participant index of the innermost open participant,
// participantsessionassoc or participantstreamassoc, or -1.
func (p *parser) owner() int {
	for i := len(p.stack) - 1; i >= 0; i-- {
		switch p.stack[i].kind {
		case elParticipant, elPSessAssoc, elPStreamAssoc:
			return p.stack[i].idx
		}
	}
	return -1
}

// streamOwner returns the stream index of the innermost open stream, or -1.
func (p *parser) streamOwner() int {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if p.stack[i].kind == elStream {
			return p.stack[i].idx
		}
	}
	return -1
}

// participant returns the index of participant id, adding it if new: RFC
// 7865 spreads one participant over several elements.
func (p *parser) participant(id string) (int, error) {
	if i := p.m.participant(id); i >= 0 {
		return i, nil
	}
	if len(p.m.Participants) == maxParticipants {
		return -1, fmt.Errorf("%w: more than %d participants", ErrHostileMetadata, maxParticipants)
	}
	p.m.Participants = append(p.m.Participants, Participant{ID: id})
	return len(p.m.Participants) - 1, nil
}

// streamIdx returns the index of stream id, adding it if new.
func (p *parser) streamIdx(id string) (int, error) {
	if i := p.m.stream(id); i >= 0 {
		return i, nil
	}
	if len(p.m.Streams) == maxStreams {
		return -1, fmt.Errorf("%w: more than %d streams", ErrHostileMetadata, maxStreams)
	}
	p.m.Streams = append(p.m.Streams, Stream{ID: id})
	return len(p.m.Streams) - 1, nil
}

// charsetReader accepts the single-byte charsets SBCs declare for what is in
// practice ASCII; the keys are ASCII either way. Anything else fails the
// strict parse and falls back to pattern extraction.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf8", "us-ascii", "ascii", "iso-8859-1", "iso_8859-1", "latin1":
		return in, nil
	}
	return nil, fmt.Errorf("unsupported charset %q", label)
}

// compact returns a copy of b without the whitespace-only runs between a
// '>' and the next '<'. Each such run costs encoding/xml a CharData token:
// a copy, an interface allocation and a call; on SBC output, which is
// indented, that is 10-15% of the parse. Nothing we read changes: values are
// trimmed anyway, a raw '<' cannot occur inside an attribute value, and only
// CDATA or comment text could lose spaces, which carry no keys.
func compact(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		out = append(out, c)
		i++
		if c != '>' {
			continue
		}
		j := i
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r' || b[j] == '\n') {
			j++
		}
		if j < len(b) && b[j] == '<' {
			i = j
		}
	}
	return out
}
