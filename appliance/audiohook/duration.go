package audiohook

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Duration is an AudioHook stream position or length: an ISO 8601 duration
// in seconds only, "PT<seconds>S", with an optional decimal fraction
// ("PT0S", "PT1.34S", "PT.5S"). Other ISO 8601 forms (minutes, days,
// exponents, signs) are not AudioHook and are refused, as Genesys's
// reference validator does (durationRegex /^PT(?:\d*\.)?\d+S$/).
type Duration time.Duration

// maxSeconds is the largest whole-second part a Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// ParseDuration parses "PT<seconds>S". Fractions finer than a nanosecond are
// rounded to the nearest nanosecond: JavaScript clients format positions
// with Number.toString and may send "PT0.30000000000000004S".
func ParseDuration(s string) (Duration, error) {
	if len(s) < 4 || s[:2] != "PT" || s[len(s)-1] != 'S' {
		return 0, fmt.Errorf("%w: %q: want PT<seconds>S", ErrBadDuration, truncate(s))
	}
	body := s[2 : len(s)-1]
	whole, frac := body, ""
	for i := 0; i < len(body); i++ {
		if body[i] == '.' {
			whole, frac = body[:i], body[i+1:]
			if frac == "" {
				return 0, fmt.Errorf("%w: %q: no digits after the point", ErrBadDuration, truncate(s))
			}
			break
		}
	}
	if !allDigits(whole) || !allDigits(frac) || whole+frac == "" {
		return 0, fmt.Errorf("%w: %q: want decimal seconds", ErrBadDuration, truncate(s))
	}
	var secs int64
	if whole != "" {
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || v > maxSeconds {
			return 0, fmt.Errorf("%w: %q: out of range", ErrBadDuration, truncate(s))
		}
		secs = v
	}
	var ns int64
	for i := 0; i < 9; i++ {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	if len(frac) > 9 && frac[9] >= '5' {
		ns++
	}
	total := secs*int64(time.Second) + ns
	if total < 0 { // the sum wrapped past MaxInt64
		return 0, fmt.Errorf("%w: %q: out of range", ErrBadDuration, truncate(s))
	}
	return Duration(total), nil
}

// String formats d as "PT<seconds>S" with no trailing zeros in the
// fraction: 0 is "PT0S", 1340 ms is "PT1.34S". A negative d has no
// AudioHook form; String gives "PT0S" for it and Marshal refuses it.
func (d Duration) String() string {
	var b [32]byte
	return string(d.appendTo(b[:0]))
}

// appendTo appends the AudioHook form of d to b.
func (d Duration) appendTo(b []byte) []byte {
	if d < 0 {
		d = 0
	}
	b = append(b, "PT"...)
	b = strconv.AppendInt(b, int64(d)/int64(time.Second), 10)
	if ns := int64(d) % int64(time.Second); ns != 0 {
		var f [10]byte
		f[0] = '.'
		for i := 9; i >= 1; i-- {
			f[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for f[n-1] == '0' {
			n--
		}
		b = append(b, f[:n]...)
	}
	return append(b, 'S')
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) {
	if d < 0 {
		return nil, fmt.Errorf("%w: negative %v", ErrBadDuration, time.Duration(d))
	}
	return d.appendTo(nil), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// SampleDuration is the length of n samples per channel at rate Hz,
// rounded down to the nanosecond (8 kHz samples are exactly 125 µs).
func SampleDuration(n int64, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(n/int64(rate)*int64(time.Second) + n%int64(rate)*int64(time.Second)/int64(rate))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// truncate bounds a peer's string quoted in an error.
func truncate(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
