package negotiate

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

// sample reads a testdata SDP; the SBC captures are copied verbatim from
// shared/siprec-samples (the SDP part of each multipart body).
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, b []byte) *Offer {
	t.Helper()
	o, err := ParseOffer(b)
	if err != nil {
		t.Fatalf("ParseOffer: %v\n%s", err, b)
	}
	return o
}

// mediaWant is what a test checks of one parsed m-line.
type mediaWant struct {
	port     int
	proto    string
	addr     string // "" = invalid
	host     string
	dir      Direction
	label    string
	names    string // "PT:NAME ..." in m= order
	ptime    int
	maxptime int
}

func formatList(fs []Format) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, strings.TrimSuffix(strconv.Itoa(int(f.PT))+":"+f.Name, ":"))
	}
	return strings.Join(parts, " ")
}

func TestParseOfferSamples(t *testing.T) {
	tests := map[string]struct {
		file    string
		version string
		media   []mediaWant
	}{
		"oracle": {"oracle.sdp", "382445", []mediaWant{
			{34866, "RTP/AVP", "10.173.188.16", "10.173.188.16", SendOnly, "739440565", "0:PCMU 101:telephone-event", 0, 0},
			{34870, "RTP/AVP", "10.173.188.16", "10.173.188.16", SendOnly, "739440566", "0:PCMU 101:telephone-event", 20, 0},
		}},
		"oracle two": {"oracle-2.sdp", "595552", []mediaWant{
			{20106, "RTP/AVP", "192.168.50.140", "192.168.50.140", SendOnly, "16777227", "0:PCMU", 0, 0},
			{20110, "RTP/AVP", "192.168.50.140", "192.168.50.140", SendOnly, "16777228", "0:PCMU", 0, 150},
		}},
		"oracle four m-lines after transfer": {"oracle-4m.sdp", "382447", []mediaWant{
			{34866, "RTP/AVP", "10.173.188.16", "10.173.188.16", SendOnly, "739440565", "0:PCMU 101:telephone-event", 0, 0},
			{34870, "RTP/AVP", "10.173.188.16", "10.173.188.16", SendOnly, "739440566", "0:PCMU 101:telephone-event", 20, 0},
			{34874, "RTP/AVP", "10.173.188.16", "10.173.188.16", Inactive, "739440567", "0:PCMU 101:telephone-event", 20, 0},
			{34878, "RTP/AVP", "10.173.188.16", "10.173.188.16", Inactive, "739440568", "0:PCMU 101:telephone-event", 20, 0},
		}},
		"cisco media-level c=": {"cisco.sdp", "9367", []mediaWant{
			{10292, "RTP/AVP", "172.31.93.236", "172.31.93.236", SendOnly, "1", "0:PCMU 101:telephone-event", 20, 0},
			{10294, "RTP/AVP", "172.31.93.236", "172.31.93.236", SendOnly, "2", "0:PCMU 101:telephone-event", 20, 0},
		}},
		"cisco inactive offer": {"cisco-inactive.sdp", "9367", []mediaWant{
			{10292, "RTP/AVP", "172.31.93.236", "172.31.93.236", Inactive, "1", "0:PCMU 101:telephone-event", 20, 0},
			{10294, "RTP/AVP", "172.31.93.236", "172.31.93.236", Inactive, "2", "0:PCMU 101:telephone-event", 20, 0},
		}},
		"opensips no c= no t=": {"opensips.sdp", "0", []mediaWant{
			{35011, "RTP/AVP", "", "", SendOnly, "1", "0:PCMU 8:PCMA 3:GSM 101:telephone-event", 0, 150},
			{35012, "RTP/AVP", "", "", SendOnly, "2", "8:PCMA 0:PCMU 101:telephone-event", 0, 150},
		}},
		"sems direction:both ignored": {"sems.sdp", "691822371", []mediaWant{
			{12654, "RTP/AVP", "89.185.131.7", "89.185.131.7", SendOnly, "a_leg", "8:PCMA", 0, 0},
			{12686, "RTP/AVP", "89.185.131.7", "89.185.131.7", SendOnly, "b_leg", "8:PCMA", 0, 0},
		}},
		"broadworks mangled address kept as host": {"broadworks.sdp", "1", []mediaWant{
			{22294, "RTP/AVP", "", "X.X.X.X", SendOnly, "1", "8:PCMA 101:telephone-event 0:PCMU 9:G722 18:G729", 20, 0},
		}},
		"ribbon m-level c= only": {"ribbon.sdp", "655768", []mediaWant{
			{48932, "RTP/AVP", "172.16.169.132", "172.16.169.132", SendOnly, "1", "0:PCMU", 0, 20},
			{48926, "RTP/AVP", "172.16.169.132", "172.16.169.132", SendOnly, "2", "0:PCMU", 0, 20},
		}},
		"avaya": {"avaya.sdp", "1", []mediaWant{
			{38606, "RTP/AVP", "10.201.1.168", "10.201.1.168", SendOnly, "10", "8:PCMA 97:telephone-event", 20, 0},
			{35744, "RTP/AVP", "10.201.1.168", "10.201.1.168", SendOnly, "20", "8:PCMA 97:telephone-event", 20, 0},
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for _, crlf := range []bool{false, true} {
				b := sample(t, tt.file)
				if crlf {
					b = []byte(strings.ReplaceAll(string(b), "\n", "\r\n"))
				}
				o := mustParse(t, b)
				if o.Origin.Version != tt.version {
					t.Errorf("o= version %q, want %q", o.Origin.Version, tt.version)
				}
				if len(o.Media) != len(tt.media) {
					t.Fatalf("%d m-lines, want %d", len(o.Media), len(tt.media))
				}
				for i, w := range tt.media {
					checkMedia(t, &o.Media[i], i, w)
				}
			}
		})
	}
}

func checkMedia(t *testing.T, m *Media, i int, w mediaWant) {
	t.Helper()
	addr := ""
	if m.Addr.IsValid() {
		addr = m.Addr.String()
	}
	got := mediaWant{m.Port, m.Proto, addr, m.Host, m.Direction, m.Label, formatList(m.Formats), m.Ptime, m.MaxPtime}
	if got != w {
		t.Errorf("m-line %d:\n got %+v\nwant %+v", i, got, w)
	}
	if m.Index != i || m.Type != "audio" {
		t.Errorf("m-line %d: Index %d Type %q", i, m.Index, m.Type)
	}
}

func TestParseOfferFmtpAndRtpmapCase(t *testing.T) {
	o := mustParse(t, sample(t, "oracle.sdp"))
	f := o.Media[0].Formats
	if f[0].Name != "PCMU" || f[0].ClockRate != 8000 || f[0].Channels != 1 {
		t.Errorf("pcmu/8000 resolved to %+v", f[0])
	}
	if f[1].Fmtp != "0-15" || !f[1].IsDTMF() {
		t.Errorf("telephone-event %+v", f[1])
	}
}

func TestParseOfferTolerance(t *testing.T) {
	const base = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
	tests := map[string]struct {
		sdp   string
		check func(t *testing.T, o *Offer)
	}{
		"trailing blanks, blank lines, no final newline": {
			"\n\nv=0  \r\no=- 1 2 IN IP4 192.0.2.1\t\r\n\r\ns=-\r\nm=audio 4000 RTP/AVP 0   \r\na=label:x  \r\n\r\na=sendonly",
			func(t *testing.T, o *Offer) {
				m := o.Media[0]
				if m.Port != 4000 || m.Label != "x" || m.Direction != SendOnly || formatList(m.Formats) != "0:PCMU" {
					t.Errorf("%+v", m)
				}
			},
		},
		"bare CR line ends": {
			"v=0\ro=- 1 2 IN IP4 192.0.2.1\rs=-\rm=audio 4000 RTP/AVP 8\ra=label:cr\r",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Label != "cr" || formatList(o.Media[0].Formats) != "8:PCMA" {
					t.Errorf("%+v", o.Media[0])
				}
			},
		},
		"session-level direction inherited, media overrides": {
			base + "a=sendonly\nm=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=inactive\n",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Direction != SendOnly || o.Media[1].Direction != Inactive {
					t.Errorf("directions %v %v", o.Media[0].Direction, o.Media[1].Direction)
				}
			},
		},
		"no direction means sendrecv": {
			base + "m=audio 4000 RTP/AVP 0\n",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Direction != SendRecv {
					t.Errorf("direction %v", o.Media[0].Direction)
				}
			},
		},
		"fractional ptime, bad ptime ignored": {
			base + "m=audio 4000 RTP/AVP 0\na=ptime:22.5\nm=audio 4002 RTP/AVP 0\na=ptime:abc\n",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Ptime != 23 || o.Media[1].Ptime != 0 {
					t.Errorf("ptime %d %d", o.Media[0].Ptime, o.Media[1].Ptime)
				}
			},
		},
		"dynamic PT named PCMU, static rtpmap redefined, unknown dynamic PT": {
			base + "m=audio 4000 RTP/AVP 96 9 97\na=rtpmap:96 PCMU/8000\na=rtpmap:9 g722/8000\n",
			func(t *testing.T, o *Offer) {
				if got := formatList(o.Media[0].Formats); got != "96:PCMU 9:G722 97" {
					t.Errorf("formats %q", got)
				}
			},
		},
		"ipv6, multicast ttl, host name": {
			"v=0\no=- 1 2 IN IP6 ::1\ns=-\nc=IN IP6 2001:db8::5\nt=0 0\nm=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\nc=IN IP4 233.252.0.1/127\nm=audio 4004 RTP/AVP 0\nc=IN IP4 sbc-1.example.net\n",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Addr != netip.MustParseAddr("2001:db8::5") ||
					o.Media[1].Addr != netip.MustParseAddr("233.252.0.1") ||
					o.Media[2].Addr.IsValid() || o.Media[2].Host != "sbc-1.example.net" {
					t.Errorf("%v %v %v %q", o.Media[0].Addr, o.Media[1].Addr, o.Media[2].Addr, o.Media[2].Host)
				}
			},
		},
		"t38 and video kept with raw formats": {
			string(sample(t, "t38-video.sdp")),
			func(t *testing.T, o *Offer) {
				types := []string{o.Media[0].Type, o.Media[1].Type, o.Media[2].Type, o.Media[3].Type}
				if !slices.Equal(types, []string{"audio", "video", "image", "audio"}) {
					t.Errorf("types %v", types)
				}
				if m := o.Media[2]; m.Proto != "udptl" || !slices.Equal(m.fmts, []string{"t38"}) || len(m.Formats) != 0 {
					t.Errorf("image line %+v", m)
				}
			},
		},
		"port count and unknown line types": {
			base + "z=2882844526 -1h\nk=prompt\nx-garbage\nm=audio 4000/2 RTP/AVP 0\ni=title\nb=TIAS:64000\nb=weird\n",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Port != 4000 {
					t.Errorf("port %d", o.Media[0].Port)
				}
			},
		},
		"control characters in label and fmtp dropped": {
			base + "m=audio 4000 RTP/AVP 101 0\na=label:a\x00b\na=fmtp:101 0-15\x1b\n",
			func(t *testing.T, o *Offer) {
				if o.Media[0].Label != "" || o.Media[0].Formats[0].Fmtp != "" {
					t.Errorf("%+v", o.Media[0])
				}
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tt.check(t, mustParse(t, []byte(tt.sdp)))
		})
	}
}

func TestParseOfferErrors(t *testing.T) {
	const head = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nt=0 0\n"
	many := head + strings.Repeat("m=audio 4000 RTP/AVP 0\n", MaxMedia+1)
	tests := map[string]struct {
		sdp  string
		want error
	}{
		"empty":               {"", ErrNotSDP},
		"blank":               {"\r\n\r\n", ErrNotSDP},
		"xml":                 {"<?xml version='1.0'?><recording/>", ErrNotSDP},
		"wrong version":       {"v=1\nm=audio 1 RTP/AVP 0\n", ErrNotSDP},
		"no m=":               {head + "c=IN IP4 192.0.2.1\n", ErrNoMedia},
		"oversize":            {head + strings.Repeat("a=x\n", MaxSize/4), ErrTooLarge},
		"too many m-lines":    {many, ErrTooManyMedia},
		"short m=":            {head + "m=audio 4000\n", ErrBadMedia},
		"control char in m=":  {head + "m=audio 4000 RTP/AVP 0\x01\n", ErrBadMedia},
		"port not a number":   {head + "m=audio abc RTP/AVP 0\n", ErrBadPort},
		"port out of range":   {head + "m=audio 70000 RTP/AVP 0\n", ErrBadPort},
		"negative port":       {head + "m=audio -1 RTP/AVP 0\n", ErrBadPort},
		"signed port":         {head + "m=audio +5 RTP/AVP 0\n", ErrBadPort},
		"bad port count":      {head + "m=audio 4000/x RTP/AVP 0\n", ErrBadPort},
		"c= missing address":  {head + "c=IN IP4\nm=audio 4000 RTP/AVP 0\n", ErrBadConnection},
		"c= bad addrtype":     {head + "c=IN IPX 1.2.3.4\nm=audio 4000 RTP/AVP 0\n", ErrBadConnection},
		"c= bad nettype":      {head + "m=audio 4000 RTP/AVP 0\nc=ATM NSAP 1\n", ErrBadConnection},
		"c= octet over 255":   {head + "c=IN IP4 10.0.0.256\nm=audio 4000 RTP/AVP 0\n", ErrBadAddress},
		"c= IP4 with v6":      {head + "m=audio 4000 RTP/AVP 0\nc=IN IP4 2001:db8::1\n", ErrBadAddress},
		"c= IP6 with v4":      {head + "m=audio 4000 RTP/AVP 0\nc=IN IP6 192.0.2.1\n", ErrBadAddress},
		"c= junk host":        {head + "m=audio 4000 RTP/AVP 0\nc=IN IP4 bad$host\n", ErrBadAddress},
		"c= label too long":   {head + "m=audio 4000 RTP/AVP 0\nc=IN IP4 " + strings.Repeat("a", 64) + ".net\n", ErrBadAddress},
		"c= hyphen at start":  {head + "m=audio 4000 RTP/AVP 0\nc=IN IP4 -sbc.net\n", ErrBadAddress},
		"c= empty label":      {head + "m=audio 4000 RTP/AVP 0\nc=IN IP4 sbc..net\n", ErrBadAddress},
		"c= v6 junk":          {head + "m=audio 4000 RTP/AVP 0\nc=IN IP6 2001:db8::zz\n", ErrBadAddress},
		"c= all-digit labels": {head + "m=audio 4000 RTP/AVP 0\nc=IN IP4 1.2.3\n", ErrBadAddress},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := ParseOffer([]byte(tt.sdp))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if o != nil {
				t.Fatal("offer returned with an error")
			}
			if !strings.HasPrefix(err.Error(), "negotiate: parse offer: ") {
				t.Errorf("error %q not wrapped with the op", err)
			}
		})
	}
}

// TestPionRejectsWhatWeAccept documents why ParseOffer does not hand the
// body to pion/sdp: these real or realistic offers fail there.
func TestPionRejectsWhatWeAccept(t *testing.T) {
	for _, name := range []string{"opensips.sdp", "ribbon.sdp", "t38-video.sdp"} {
		b := sample(t, name)
		if name == "ribbon.sdp" {
			b = []byte(strings.TrimRight(string(b), "\n")) // no final newline
		}
		var sd sdp.SessionDescription
		if err := sd.Unmarshal(b); err == nil {
			t.Errorf("%s: pion accepted it; the tolerance note in doc.go may be stale", name)
		}
		mustParse(t, b)
	}
}
