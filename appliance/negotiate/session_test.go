package negotiate

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// established answers file's offer inactive, as at INVITE time.
func established(t *testing.T, file string, policy SRTPPolicy) (*Local, *Session) {
	t.Helper()
	plan := NewPlan(mustParse(t, sample(t, file)), policy)
	l := newLocal(t)
	_, sess, err := plan.Answer(l, portsFor(plan), Inactive)
	if err != nil {
		t.Fatal(err)
	}
	return l, sess
}

func ports(ss []Stream) []int {
	out := make([]int, len(ss))
	for i, s := range ss {
		out[i] = s.LocalPort
	}
	return out
}

func TestReofferAddsStreams(t *testing.T) {
	// Oracle after a transfer: the two original streams plus two inactive.
	l, sess := established(t, "oracle.sdp", SRTPAllow)
	plan, err := sess.Plan(mustParse(t, sample(t, "oracle-4m.sdp")))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Unchanged() {
		t.Fatal("a new version with two more m-lines is not unchanged")
	}
	var isNew []bool
	for _, st := range plan.Streams {
		isNew = append(isNew, st.New)
	}
	if !slices.Equal(isNew, []bool{false, false, true, true}) {
		t.Fatalf("New = %v", isNew)
	}
	if got := ports(plan.Streams); !slices.Equal(got, []int{20000, 20002, 0, 0}) {
		t.Fatalf("existing ports not reused: %v", got)
	}
	if _, _, err := plan.Answer(l, nil, Inactive); !errors.Is(err, ErrMissingPort) {
		t.Fatalf("answer without ports for the new streams: %v", err)
	}
	body, next, err := plan.Answer(l, []int{0, 0, 20004, 20006}, Inactive)
	if err != nil {
		t.Fatal(err)
	}
	a, sd := reparse(t, body)
	var gotPorts []int
	var labels []string
	for _, m := range a.Media {
		gotPorts = append(gotPorts, m.Port)
		labels = append(labels, m.Label)
		if m.Direction != Inactive {
			t.Errorf("m-line %d %v", m.Index, m.Direction)
		}
	}
	if !slices.Equal(gotPorts, []int{20000, 20002, 20004, 20006}) ||
		!slices.Equal(labels, []string{"739440565", "739440566", "739440567", "739440568"}) {
		t.Fatalf("ports %v labels %v", gotPorts, labels)
	}
	if sd.Origin.SessionVersion != sess.Version()+1 {
		t.Errorf("version %d after %d", sd.Origin.SessionVersion, sess.Version())
	}
	if st := next.Streams(); !st[2].New || st[0].New || st[0].Changed {
		t.Errorf("session flags %+v", st)
	}
}

func TestReofferStopsAndRestartsStream(t *testing.T) {
	l, sess := established(t, "oracle.sdp", SRTPAllow)
	stopped := strings.Replace(string(sample(t, "oracle.sdp")), "m=audio 34870", "m=audio 0", 1)
	stopped = strings.Replace(stopped, "382445", "382446", 1)
	plan, err := sess.Plan(mustParse(t, []byte(stopped)))
	if err != nil {
		t.Fatal(err)
	}
	st := plan.Streams[1]
	if st.Accepted || !st.Stopped || st.Reason != ReasonDisabled || st.LocalPort != 20002 {
		t.Fatalf("stopped stream %+v", st)
	}
	body, sess2, err := plan.Answer(l, nil, Inactive)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reparse(t, body)
	if a.Media[0].Port != 20000 || a.Media[1].Port != 0 || a.Media[1].Label != "739440566" {
		t.Fatalf("answer %s", body)
	}
	// Re-enabling the slot makes it New: its old port may have been freed.
	restarted := strings.Replace(string(sample(t, "oracle.sdp")), "382445", "382447", 1)
	plan, err = sess2.Plan(mustParse(t, []byte(restarted)))
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Streams[1].New || plan.Streams[1].LocalPort != 0 || plan.Streams[0].New {
		t.Fatalf("restart %+v", plan.Streams)
	}
}

func TestReofferFewerMediaRefused(t *testing.T) {
	_, sess := established(t, "oracle-4m.sdp", SRTPAllow)
	_, err := sess.Plan(mustParse(t, sample(t, "oracle.sdp")))
	if !errors.Is(err, ErrMediaRemoved) {
		t.Fatalf("err = %v", err)
	}
	if _, err := sess.Plan(nil); !errors.Is(err, ErrNoMedia) {
		t.Fatalf("nil offer: %v", err)
	}
}

func TestSessionRefreshUnchanged(t *testing.T) {
	tests := map[string]struct {
		resend    func([]byte) []byte
		dir       Direction
		unchanged bool
		sameBody  bool
	}{
		"identical refresh":              {func(b []byte) []byte { return b }, Inactive, true, true},
		"same SDP with CRLF line ends":   {func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }, Inactive, true, true},
		"refresh while we want recvonly": {func(b []byte) []byte { return b }, RecvOnly, true, false},
		"version bumped":                 {func(b []byte) []byte { return bytes.Replace(b, []byte("382445"), []byte("382446"), 1) }, Inactive, false, false},
		"body changed, version not":      {func(b []byte) []byte { return bytes.Replace(b, []byte("34866"), []byte("34900"), 1) }, Inactive, false, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			l, sess := established(t, "oracle.sdp", SRTPAllow)
			before := l.Version()
			plan, err := sess.Plan(mustParse(t, tt.resend(sample(t, "oracle.sdp"))))
			if err != nil {
				t.Fatal(err)
			}
			if plan.Unchanged() != tt.unchanged {
				t.Fatalf("Unchanged = %v", plan.Unchanged())
			}
			body, next, err := plan.Answer(l, nil, tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if same := bytes.Equal(body, sess.SDP()); same != tt.sameBody {
				t.Fatalf("same body = %v\n%s", same, body)
			}
			if tt.sameBody && (l.Version() != before || next != sess) {
				t.Error("an unchanged answer must not advance the o= version or the session")
			}
			if !tt.sameBody && l.Version() != before+1 {
				t.Error("a new answer must advance the o= version by one")
			}
		})
	}
}

func TestOurReinviteOffer(t *testing.T) {
	l, sess := established(t, "t38-video.sdp", SRTPAllow)
	p, err := sess.Offer(RecvOnly, false)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := reparse(t, p.SDP())
	want := []struct {
		port  int
		fmts  string
		dir   Direction
		label string
	}{
		{20000, "8 101", RecvOnly, "1"},
		{0, "96", SendRecv, "2"},
		{0, "t38", SendRecv, "3"},
		{0, "18 3", SendRecv, "4"},
	}
	for i, w := range want {
		m := o.Media[i]
		if m.Port != w.port || strings.Join(m.fmts, " ") != w.fmts || m.Direction != w.dir || m.Label != w.label {
			t.Errorf("m-line %d: %d %v %v %q", i, m.Port, m.fmts, m.Direction, m.Label)
		}
	}
	if o.Origin.Version != strconv.FormatUint(sess.Version()+1, 10) || l.Version() != sess.Version()+1 {
		t.Errorf("offer version %s after %d", o.Origin.Version, sess.Version())
	}
	// Hold sends inactive again.
	p, _ = sess.Offer(Inactive, false)
	if o, _ = reparse(t, p.SDP()); o.Media[0].Direction != Inactive {
		t.Errorf("hold offer %v", o.Media[0].Direction)
	}
}

// sbcAnswer is what the Oracle SBC answers to our activation re-INVITE.
func sbcAnswer(version, port0, port1 string, m0 string) []byte {
	return []byte("v=0\r\no=- 4767439 " + version + " IN IP4 10.173.188.16\r\ns=-\r\nc=IN IP4 10.173.188.16\r\nt=0 0\r\n" +
		"m=audio " + port0 + " RTP/AVP 0 101\r\n" + m0 + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=label:739440565\r\na=sendonly\r\n" +
		"m=audio " + port1 + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=label:739440566\r\na=sendonly\r\n")
}

func TestApplyAnswer(t *testing.T) {
	tests := map[string]struct {
		answer  []byte
		err     error
		changed []bool
		stopped []bool
		addr0   string
		port0   int
	}{
		"same media":           {sbcAnswer("382446", "34866", "34870", ""), nil, []bool{false, false}, []bool{false, false}, "10.173.188.16", 34866},
		"SBC moved stream 0":   {sbcAnswer("382446", "40000", "34870", "c=IN IP4 10.173.188.99\r\n"), nil, []bool{true, false}, []bool{false, false}, "10.173.188.99", 40000},
		"SBC stopped stream 1": {sbcAnswer("382446", "34866", "0", ""), nil, []bool{false, false}, []bool{false, true}, "10.173.188.16", 34866},
		"m-line count differs": {[]byte("v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n"), ErrAnswerMismatch, nil, nil, "", 0},
		"media type differs": {[]byte("v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nm=video 1 RTP/AVP 0\r\nm=audio 1 RTP/AVP 0\r\n"),
			ErrAnswerMismatch, nil, nil, "", 0},
		"not SDP": {[]byte("SIP/2.0 200 OK"), ErrNotSDP, nil, nil, "", 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, sess := established(t, "oracle.sdp", SRTPAllow)
			p, err := sess.Offer(RecvOnly, false)
			if err != nil {
				t.Fatal(err)
			}
			next, err := p.Apply(tt.answer)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "negotiate: apply answer: ") {
					t.Errorf("error %q", err)
				}
				return
			}
			st := next.Streams()
			for i := range st {
				if st[i].Changed != tt.changed[i] || st[i].Stopped != tt.stopped[i] || st[i].Accepted == tt.stopped[i] {
					t.Errorf("stream %d changed=%v stopped=%v accepted=%v", i, st[i].Changed, st[i].Stopped, st[i].Accepted)
				}
			}
			if st[0].RemoteAddr != netip.MustParseAddr(tt.addr0) || st[0].RemotePort != tt.port0 || st[0].Direction != RecvOnly {
				t.Errorf("stream 0 remote %v:%d dir %v", st[0].RemoteAddr, st[0].RemotePort, st[0].Direction)
			}
			if !bytes.Equal(next.SDP(), p.SDP()) || next.Version() != sess.Version()+1 {
				t.Error("the session's SDP must be the offer we sent")
			}
			// The SBC's session refresh resends its answer: unchanged, and
			// we repeat our offer byte for byte.
			plan, err := next.Plan(mustParse(t, tt.answer))
			if err != nil {
				t.Fatal(err)
			}
			body, _, err := plan.Answer(next.local, nil, RecvOnly)
			if err != nil || !plan.Unchanged() || !bytes.Equal(body, p.SDP()) {
				t.Fatalf("refresh after activation: unchanged=%v err=%v\n%s", plan.Unchanged(), err, body)
			}
		})
	}
}

func TestReceiving(t *testing.T) {
	tests := []struct {
		st   Stream
		want bool
	}{
		{Stream{Accepted: true, Direction: RecvOnly, RemoteDirection: SendOnly}, true},
		{Stream{Accepted: true, Direction: RecvOnly, RemoteDirection: SendRecv}, true},
		{Stream{Accepted: true, Direction: Inactive, RemoteDirection: SendOnly}, false},
		{Stream{Accepted: true, Direction: RecvOnly, RemoteDirection: Inactive}, false},
		{Stream{Accepted: false, Direction: RecvOnly, RemoteDirection: SendOnly}, false},
	}
	for i, tt := range tests {
		if got := tt.st.Receiving(); got != tt.want {
			t.Errorf("%d: Receiving = %v", i, got)
		}
	}
}

// TestConcurrentExchanges runs answers and offers of one dialog at once, as
// glare between the SBC's re-INVITE and ours does; run with -race.
func TestConcurrentExchanges(t *testing.T) {
	l, sess := established(t, "srtp-oracle.sdp", SRTPAllow)
	plan, err := sess.Plan(mustParse(t, sample(t, "srtp-oracle.sdp")))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	versions := make(chan uint64, 2*n)
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			_, s, err := plan.Answer(l, nil, RecvOnly)
			if err != nil {
				t.Error(err)
				return
			}
			versions <- s.Version()
			p, err := sess.Offer(Direction(i%2), true)
			if err != nil {
				t.Error(err)
				return
			}
			versions <- p.version
		}()
	}
	for range n {
		<-done
	}
	close(versions)
	seen := map[uint64]bool{}
	for v := range versions {
		if seen[v] {
			t.Fatalf("o= version %d used twice", v)
		}
		seen[v] = true
	}
	if len(seen) != 2*n {
		t.Fatalf("%d versions", len(seen))
	}
}
