package audiohook

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{in: "PT0S", want: 0},
		{in: "PT1.34S", want: 1340 * time.Millisecond},
		{in: "PT.5S", want: 500 * time.Millisecond},
		{in: "PT10S", want: 10 * time.Second},
		{in: "PT0.000125S", want: 125 * time.Microsecond},
		{in: "PT3600.000000001S", want: time.Hour + 1},
		{in: "PT0.30000000000000004S", want: 300 * time.Millisecond}, // JavaScript's Number.toString
		{in: "PT0.0000000005S", want: 1},                             // rounded to the nearest ns
		{in: "PT0.9999999999S", want: time.Second},
		{in: "PT9223372036S", want: 9223372036 * time.Second},
		{in: "PT9223372036.854775807S", want: math.MaxInt64},
		{in: "PT9223372036.854775808S", err: true},
		{in: "PT9223372037S", err: true},
		{in: "PT5.S", err: true},
		{in: "PTS", err: true},
		{in: "PT.S", err: true},
		{in: "P1D", err: true},
		{in: "PT1M", err: true},
		{in: "PT1M30S", err: true},
		{in: "PT-1S", err: true},
		{in: "PT+1S", err: true},
		{in: "PT1e3S", err: true},
		{in: "pt1s", err: true},
		{in: " PT1S", err: true},
		{in: "PT1,5S", err: true},
		{in: "", err: true},
	}
	for _, tc := range cases {
		got, err := ParseDuration(tc.in)
		if tc.err {
			if !errors.Is(err, ErrBadDuration) {
				t.Errorf("ParseDuration(%q) = %v, %v; want ErrBadDuration", tc.in, got, err)
			}
			continue
		}
		if err != nil || got.Std() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got.Std(), err, tc.want)
		}
	}
}

func TestDurationFormat(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "PT0S"},
		{1340 * time.Millisecond, "PT1.34S"},
		{125 * time.Microsecond, "PT0.000125S"},
		{10 * time.Second, "PT10S"},
		{time.Hour + 1, "PT3600.000000001S"},
		{-time.Second, "PT0S"},
	}
	for _, tc := range cases {
		if got := Duration(tc.d).String(); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
		if tc.d >= 0 {
			back, err := ParseDuration(tc.want)
			if err != nil || back.Std() != tc.d {
				t.Errorf("round trip %v: %v, %v", tc.d, back.Std(), err)
			}
		}
	}
	if _, err := Duration(-1).MarshalText(); !errors.Is(err, ErrBadDuration) {
		t.Errorf("negative MarshalText: %v", err)
	}
}

func TestSampleDuration(t *testing.T) {
	if got := SampleDuration(8000, 8000); got != time.Second {
		t.Errorf("8000 samples = %v", got)
	}
	if got := SampleDuration(1, 8000); got != 125*time.Microsecond {
		t.Errorf("1 sample = %v", got)
	}
	if got := StereoPCMU().DurationOf(1600); got != 100*time.Millisecond {
		t.Errorf("1600 bytes of stereo PCMU = %v", got)
	}
}
