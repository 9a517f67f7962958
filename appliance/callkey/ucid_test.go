package callkey

import (
	"errors"
	"testing"
)

func TestUCIDFormsAreEqual(t *testing.T) {
	// DESIGN §5: these three spellings are the same call.
	const want = "004762C169FA480C"
	forms := map[string]string{
		"hex":                "004762C169FA480C",
		"hex lower":          "004762c169fa480c",
		"hex encoding param": "004762C169FA480C;encoding=hex",
		"decimal":            "00071252811778010124",
		"asai uui":           "04FA08004762C169FA480CC8143030303731323532383131373738303130313234",
		"asai uui param":     "04FA08004762C169FA480CC8143030303731323532383131373738303130313234;encoding=hex",
		"asai no proto byte": "FA08004762C169FA480C",
		"spaces and quotes":  ` "004762C169FA480C" `,
	}
	for name, in := range forms {
		t.Run(name, func(t *testing.T) {
			k, err := UCID(in)
			if err != nil {
				t.Fatalf("UCID(%q): %v", in, err)
			}
			if k.Kind != KindUCID || k.Value != want {
				t.Fatalf("UCID(%q) = %v, want ucid:%s", in, k, want)
			}
		})
	}
}

func TestUCIDDecimalRoundTrip(t *testing.T) {
	k, err := UCID("004762C169FA480C")
	if err != nil {
		t.Fatal(err)
	}
	d, err := UCIDDecimal(k)
	if err != nil {
		t.Fatal(err)
	}
	if d != "00071252811778010124" {
		t.Fatalf("decimal = %s", d)
	}
}

func TestUCIDVendorSamples(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"oracle apkt:ucid", "004762BD69FA4805", "004762BD69FA4805"},
		{"avaya sbce session_id (ASAI, proto 00)", "00FA0800705D4C5DCAAC41", "00705D4C5DCAAC41"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := UCID(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if k.Value != tt.want {
				t.Fatalf("got %s want %s", k.Value, tt.want)
			}
		})
	}
}

func TestUCIDRejects(t *testing.T) {
	tests := map[string]struct {
		in   string
		want error
	}{
		"empty":              {"", ErrEmpty},
		"param only":         {";encoding=hex", ErrEmpty},
		"short hex":          {"004762C169FA48", ErrUCIDFormat},
		"not hex":            {"004762C169FA48ZZ", ErrUCIDFormat},
		"decimal node range": {"99999252811778010124", ErrUCIDFormat},
		"all zero":           {"0000000000000000", ErrUCIDFormat},
		"asai without FA":    {"04C8143030303731323532383131373738303130313234", ErrUCIDFormat},
		"asai truncated TLV": {"04FA0800476", ErrUCIDFormat},
		"text":               {"hello world", ErrUCIDFormat},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := UCID(tt.in); !errors.Is(err, tt.want) {
				t.Fatalf("UCID(%q) err = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestFromUUI(t *testing.T) {
	if got := FromUUI("04FA08004762C169FA480CC8143030303731323532383131373738303130313234;encoding=hex"); len(got) != 1 || got[0].Value != "004762C169FA480C" {
		t.Fatalf("FromUUI = %v", got)
	}
	if got := FromUUI("customer-tier=gold"); got != nil {
		t.Fatalf("FromUUI(text) = %v, want nil", got)
	}
}

func FuzzUCID(f *testing.F) {
	for _, s := range []string{
		"004762C169FA480C", "00071252811778010124", "004762BD69FA4805",
		"04FA08004762C169FA480CC8143030303731323532383131373738303130313234;encoding=hex",
		"00FA0800705D4C5DCAAC41", "FA08", "", ";", "0x", "04FA08",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := UCID(s)
		if err != nil {
			return
		}
		if k.Kind != KindUCID || len(k.Value) != 16 {
			t.Fatalf("UCID(%q) = %v", s, k)
		}
		// Canonical forms are fixed points, and the decimal form round-trips.
		again, err := UCID(k.Value)
		if err != nil || again != k {
			t.Fatalf("canonical %v not a fixed point: %v %v", k, again, err)
		}
		d, err := UCIDDecimal(k)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := UCID(d); err != nil || back != k {
			t.Fatalf("decimal %s of %v parsed to %v %v", d, k, back, err)
		}
	})
}
