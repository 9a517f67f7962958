package negotiate

import (
	"testing"
)

func TestChooseCodec(t *testing.T) {
	pcmu := Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}
	pcma := Format{PT: 8, Name: "PCMA", ClockRate: 8000, Channels: 1}
	g722 := Format{PT: 9, Name: "G722", ClockRate: 8000, Channels: 1}
	g729 := Format{PT: 18, Name: "G729", ClockRate: 8000, Channels: 1}
	gsm := Format{PT: 3, Name: "GSM", ClockRate: 8000, Channels: 1}
	te := Format{PT: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-15"}
	te16 := Format{PT: 102, Name: "telephone-event", ClockRate: 16000, Channels: 1}
	tests := map[string]struct {
		in       []Format
		codec    uint8
		dtmf     int // -1 none
		ok       bool
		audioHz  int
		codecNam string
	}{
		"broadworks order 8 101 0 9 18 picks PCMA": {[]Format{pcma, te, pcmu, g722, g729}, 8, 101, true, 8000, "PCMA"},
		"opensips PCMU first":                      {[]Format{pcmu, pcma, gsm, te}, 0, 101, true, 8000, "PCMU"},
		"G.722 first is 16 kHz audio":              {[]Format{g722, pcmu}, 9, -1, true, 16000, "G722"},
		"only G.729 and GSM":                       {[]Format{g729, gsm, te}, 0, -1, false, 0, ""},
		"telephone-event alone":                    {[]Format{te}, 0, -1, false, 0, ""},
		"DTMF at another clock rate is not paired": {[]Format{pcmu, te16}, 0, -1, true, 8000, "PCMU"},
		"stereo PCMU is not decodable":             {[]Format{{PT: 96, Name: "PCMU", ClockRate: 8000, Channels: 2}, pcma}, 8, -1, true, 8000, "PCMA"},
		"dynamic PT named PCMU":                    {[]Format{{PT: 96, Name: "PCMU", ClockRate: 8000, Channels: 1}}, 96, -1, true, 8000, "PCMU"},
		"empty":                                    {nil, 0, -1, false, 0, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c, d, ok := ChooseCodec(tt.in)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				if c != (Format{}) || d != (Format{}) {
					t.Errorf("formats returned with ok=false: %+v %+v", c, d)
				}
				return
			}
			if c.PT != tt.codec || c.Name != tt.codecNam || c.AudioRate() != tt.audioHz {
				t.Errorf("codec %+v (audio %d Hz)", c, c.AudioRate())
			}
			if tt.dtmf < 0 && d.Name != "" || tt.dtmf >= 0 && (int(d.PT) != tt.dtmf || !d.IsDTMF()) {
				t.Errorf("dtmf %+v, want PT %d", d, tt.dtmf)
			}
		})
	}
}

func TestChooseCodecKeepsCodecInUse(t *testing.T) {
	pcmu := Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}
	pcma := Format{PT: 8, Name: "PCMA", ClockRate: 8000, Channels: 1}
	c, _, _ := chooseCodec([]Format{pcmu, pcma}, pcma)
	if c.PT != 8 {
		t.Errorf("re-offer switched codec to %+v", c)
	}
	c, _, _ = chooseCodec([]Format{pcmu}, pcma)
	if c.PT != 0 {
		t.Errorf("codec in use no longer offered, got %+v", c)
	}
}

func TestStaticPayloadTypes(t *testing.T) {
	for pt, want := range map[uint8]string{0: "PCMU", 3: "GSM", 8: "PCMA", 9: "G722", 18: "G729", 13: "CN"} {
		f, ok := staticFormat(pt)
		if !ok || f.Name != want || f.ClockRate != 8000 {
			t.Errorf("PT %d: %+v %v", pt, f, ok)
		}
	}
	if _, ok := staticFormat(96); ok {
		t.Error("PT 96 is dynamic")
	}
}

func TestParseRtpmap(t *testing.T) {
	tests := map[string]struct {
		in   string
		want Format
		ok   bool
	}{
		"pcmu":             {"0 PCMU/8000", Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}, true},
		"lower case":       {"8 pcma/8000", Format{PT: 8, Name: "PCMA", ClockRate: 8000, Channels: 1}, true},
		"channels":         {"111 opus/48000/2", Format{PT: 111, Name: "OPUS", ClockRate: 48000, Channels: 2}, true},
		"telephone-event":  {"101 Telephone-Event/8000", Format{PT: 101, Name: "telephone-event", ClockRate: 8000, Channels: 1}, true},
		"extra spaces":     {"0   PCMU/8000 ", Format{PT: 0, Name: "PCMU", ClockRate: 8000, Channels: 1}, true},
		"no rate":          {"0 PCMU", Format{}, false},
		"zero rate":        {"0 PCMU/0", Format{}, false},
		"PT over 127":      {"200 PCMU/8000", Format{}, false},
		"no space":         {"0PCMU/8000", Format{}, false},
		"zero channels":    {"0 PCMU/8000/0", Format{}, false},
		"too many parts":   {"0 PCMU/8000/1/1", Format{}, false},
		"empty name":       {"0 /8000", Format{}, false},
		"rate not numeric": {"0 PCMU/8k", Format{}, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f, ok := parseRtpmap(tt.in)
			if ok != tt.ok || f != tt.want {
				t.Fatalf("parseRtpmap(%q) = %+v, %v", tt.in, f, ok)
			}
			if ok {
				if back, _ := parseRtpmap(f.rtpmap()); back != f {
					t.Errorf("rtpmap() %q does not parse back", f.rtpmap())
				}
			}
		})
	}
}
