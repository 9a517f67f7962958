package negotiate

import (
	"bytes"
	"errors"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

var testAddr = netip.MustParseAddr("10.20.0.50")

func newLocal(t testing.TB) *Local {
	t.Helper()
	l, err := NewLocal(testAddr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// portsFor gives every accepted stream a port, 20000 + 2*index, the way the
// SIP layer would from the media port pool.
func portsFor(p *Plan) []int {
	ports := make([]int, len(p.Streams))
	for i, st := range p.Streams {
		if st.Accepted {
			ports[i] = 20000 + 2*i
		}
	}
	return ports
}

// pionKnows reports whether pion/sdp's parser can read an m-line of this
// media type and transport; we echo others (m=image udptl) when rejecting.
func pionKnows(media, proto string) bool {
	if !slices.Contains([]string{"audio", "video", "text", "application", "message"}, media) {
		return false
	}
	for p := range strings.SplitSeq(proto, "/") {
		if !slices.Contains([]string{"UDP", "RTP", "AVP", "SAVP", "SAVPF", "TLS", "DTLS", "SCTP", "AVPF", "TCP", "MSRP", "BFCP", "UDT", "IX", "MRCPv2", "FEC"}, p) {
			return false
		}
	}
	return true
}

// reparse checks that an SDP we produced parses with our parser and, when
// pion knows every m-line, with pion/sdp; it returns both.
func reparse(t testing.TB, b []byte) (*Offer, *sdp.SessionDescription) {
	t.Helper()
	ours, err := ParseOffer(b)
	if err != nil {
		t.Fatalf("our SDP does not re-parse: %v\n%s", err, b)
	}
	for _, m := range ours.Media {
		if !pionKnows(m.Type, m.Proto) {
			return ours, nil
		}
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(b); err != nil {
		t.Fatalf("pion/sdp rejects our SDP: %v\n%s", err, b)
	}
	return ours, &sd
}

func directionAttrs(md *sdp.MediaDescription) []string {
	var out []string
	for _, a := range md.Attributes {
		if _, ok := parseDirection(a.Key); ok {
			out = append(out, a.Key)
		}
	}
	return out
}

func TestAnswerEverySample(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.sdp")
	if len(files) < 12 {
		t.Fatalf("only %d samples", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			offer := mustParse(t, sample(t, filepath.Base(f)))
			plan := NewPlan(offer, SRTPAllow)
			local := newLocal(t)
			body, sess, err := plan.Answer(local, portsFor(plan), Inactive)
			if err != nil {
				t.Fatal(err)
			}
			ours, sd := reparse(t, body)
			if sd != nil {
				checkSessionLines(t, sd, local)
			}
			if len(ours.Media) != len(offer.Media) {
				t.Fatalf("answer has %d m-lines, offer %d", len(ours.Media), len(offer.Media))
			}
			for i := range offer.Media {
				o, a, st := &offer.Media[i], &ours.Media[i], sess.Streams()[i]
				if a.Type != o.Type || a.Proto != o.Proto || a.Label != o.Label {
					t.Errorf("m-line %d: answered %s %s label %q, offered %s %s label %q",
						i, a.Type, a.Proto, a.Label, o.Type, o.Proto, o.Label)
				}
				if !st.Accepted {
					if a.Port != 0 || !slices.Equal(a.fmts, o.fmts) {
						t.Errorf("rejected m-line %d: port %d formats %v, want 0 %v", i, a.Port, a.fmts, o.fmts)
					}
					continue
				}
				if a.Port != 20000+2*i || a.Direction != Inactive || a.Addr != testAddr {
					t.Errorf("m-line %d: port %d direction %v addr %v", i, a.Port, a.Direction, a.Addr)
				}
				if a.Ptime != o.Ptime {
					t.Errorf("m-line %d: ptime %d, offer %d", i, a.Ptime, o.Ptime)
				}
				if sd != nil {
					if d := directionAttrs(sd.MediaDescriptions[i]); !slices.Equal(d, []string{"inactive"}) {
						t.Errorf("m-line %d: direction attributes %v", i, d)
					}
				}
			}
		})
	}
}

func checkSessionLines(t *testing.T, sd *sdp.SessionDescription, l *Local) {
	t.Helper()
	if sd.Origin.Username != "cogito-edge" || sd.Origin.SessionID != l.SessionID() ||
		sd.Origin.SessionVersion != l.Version() || sd.Origin.UnicastAddress != l.Addr().String() {
		t.Errorf("o= %+v", sd.Origin)
	}
	if sd.SessionName != "-" || len(sd.TimeDescriptions) != 1 || sd.TimeDescriptions[0].Timing != (sdp.Timing{}) {
		t.Errorf("s= %q t= %+v", sd.SessionName, sd.TimeDescriptions)
	}
	c := sd.ConnectionInformation
	if c == nil || c.NetworkType != "IN" || c.Address == nil || c.Address.Address != l.Addr().String() {
		t.Errorf("c= %+v", c)
	}
}

func TestAnswerCodecsAndRejections(t *testing.T) {
	tests := map[string]struct {
		file    string
		formats []string // m= formats of the answer, per m-line
		reasons []Reason
	}{
		"broadworks picks PCMA by offer order": {"broadworks.sdp", []string{"8 101"}, []Reason{0}},
		"opensips PCMU then PCMA":              {"opensips.sdp", []string{"0 101", "8 101"}, []Reason{0, 0}},
		"oracle keeps telephone-event":         {"oracle.sdp", []string{"0 101", "0 101"}, []Reason{0, 0}},
		"avaya PT 97 DTMF":                     {"avaya.sdp", []string{"8 97", "8 97"}, []Reason{0, 0}},
		"sems":                                 {"sems.sdp", []string{"8", "8"}, []Reason{0, 0}},
		"video, T.38 and G.729-only rejected": {"t38-video.sdp", []string{"8 101", "96", "t38", "18 3"},
			[]Reason{ReasonNone, ReasonNotAudio, ReasonNotAudio, ReasonNoCodec}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			plan := NewPlan(mustParse(t, sample(t, tt.file)), SRTPAllow)
			body, _, err := plan.Answer(newLocal(t), portsFor(plan), Inactive)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := reparse(t, body)
			for i := range a.Media {
				if got := strings.Join(a.Media[i].fmts, " "); got != tt.formats[i] {
					t.Errorf("m-line %d formats %q, want %q", i, got, tt.formats[i])
				}
				if r := plan.Streams[i].Reason; r != tt.reasons[i] || plan.Streams[i].Accepted != (r == ReasonNone) {
					t.Errorf("m-line %d reason %q accepted %v", i, r, plan.Streams[i].Accepted)
				}
			}
			// The accepted line's rtpmap names the codec canonically.
			if !bytes.Contains(body, []byte("a=rtpmap:"+strings.Fields(tt.formats[0])[0]+" ")) {
				t.Errorf("no rtpmap for the chosen codec:\n%s", body)
			}
		})
	}
}

func TestAnswerEchoesLowerCaseCodecCanonically(t *testing.T) {
	plan := NewPlan(mustParse(t, sample(t, "oracle.sdp")), SRTPAllow)
	body, _, _ := plan.Answer(newLocal(t), portsFor(plan), Inactive)
	want := "m=audio 20000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=inactive\r\na=label:739440565\r\n"
	if !bytes.Contains(body, []byte(want)) {
		t.Errorf("answer:\n%s\nwant it to contain:\n%s", body, want)
	}
}

func TestAnswerDirections(t *testing.T) {
	tests := map[string]struct {
		file string
		dir  Direction
		want Direction
	}{
		"pending":                   {"oracle.sdp", Inactive, Inactive},
		"active":                    {"oracle.sdp", RecvOnly, RecvOnly},
		"cisco inactive offer":      {"cisco-inactive.sdp", RecvOnly, Inactive},
		"zero value means inactive": {"ribbon.sdp", Direction(0), Inactive},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			plan := NewPlan(mustParse(t, sample(t, tt.file)), SRTPAllow)
			body, sess, err := plan.Answer(newLocal(t), portsFor(plan), tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := reparse(t, body)
			for i, m := range a.Media {
				if m.Direction != tt.want || sess.Streams()[i].Direction != tt.want {
					t.Errorf("m-line %d: %v", i, m.Direction)
				}
			}
		})
	}
}

func TestAnswerIPv6(t *testing.T) {
	l, err := NewLocal(netip.MustParseAddr("2001:db8::50"))
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(mustParse(t, sample(t, "oracle.sdp")), SRTPAllow)
	body, _, err := plan.Answer(l, portsFor(plan), Inactive)
	if err != nil {
		t.Fatal(err)
	}
	_, sd := reparse(t, body)
	if sd.ConnectionInformation.AddressType != "IP6" || sd.Origin.AddressType != "IP6" {
		t.Errorf("c= %+v", sd.ConnectionInformation)
	}
	if !bytes.Contains(body, []byte("c=IN IP6 2001:db8::50\r\n")) {
		t.Errorf("%s", body)
	}
	// A v4-mapped address is advertised as IPv4.
	l4, _ := NewLocal(netip.MustParseAddr("::ffff:10.20.0.50"))
	if l4.Addr() != testAddr {
		t.Errorf("mapped address kept as %v", l4.Addr())
	}
}

func TestAnswerErrors(t *testing.T) {
	plan := NewPlan(mustParse(t, sample(t, "oracle.sdp")), SRTPAllow)
	tests := map[string]struct {
		plan  *Plan
		local *Local
		ports []int
		want  error
	}{
		"nil local":       {plan, nil, []int{20000, 20002}, ErrNoLocal},
		"missing port":    {plan, newLocal(t), []int{20000}, ErrMissingPort},
		"zero port":       {plan, newLocal(t), []int{20000, 0}, ErrMissingPort},
		"port too big":    {plan, newLocal(t), []int{20000, 70000}, ErrBadLocalPort},
		"negative port":   {plan, newLocal(t), []int{-2, 20000}, ErrBadLocalPort},
		"plan of nothing": {NewPlan(nil, SRTPAllow), newLocal(t), nil, ErrNoMedia},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			b, s, err := tt.plan.Answer(tt.local, tt.ports, Inactive)
			if !errors.Is(err, tt.want) || b != nil || s != nil {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "negotiate: answer: ") {
				t.Errorf("error %q", err)
			}
		})
	}
	for _, a := range []netip.Addr{{}, netip.IPv4Unspecified(), netip.IPv6Unspecified()} {
		if _, err := NewLocal(a); !errors.Is(err, ErrBadLocalAddress) {
			t.Errorf("NewLocal(%v) = %v", a, err)
		}
	}
}

func TestOriginVersionGrowsByOne(t *testing.T) {
	l := newLocal(t)
	if l.SessionID() == 0 || l.SessionID() >= 1<<31 || l.Version() != 0 {
		t.Fatalf("session id %d version %d", l.SessionID(), l.Version())
	}
	plan := NewPlan(mustParse(t, sample(t, "cisco.sdp")), SRTPAllow)
	var versions []uint64
	sess := (*Session)(nil)
	for range 3 {
		body, s, err := plan.Answer(l, portsFor(plan), Inactive)
		if err != nil {
			t.Fatal(err)
		}
		_, sd := reparse(t, body)
		versions = append(versions, sd.Origin.SessionVersion)
		if sd.Origin.SessionID != l.SessionID() {
			t.Fatal("session id changed")
		}
		sess = s
	}
	p, err := sess.Offer(RecvOnly, false)
	if err != nil {
		t.Fatal(err)
	}
	_, sd := reparse(t, p.SDP())
	versions = append(versions, sd.Origin.SessionVersion)
	for i := 1; i < len(versions); i++ {
		if versions[i] != versions[i-1]+1 {
			t.Fatalf("versions %v do not grow by one", versions)
		}
	}
	if sess.Version() != versions[2] || l.Version() != versions[3] {
		t.Errorf("session version %d, local %d", sess.Version(), l.Version())
	}
}
