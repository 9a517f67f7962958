package callkey

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// ucidLen is the binary length of an Avaya UCID: 2 bytes node, 2 bytes
// sequence, 4 bytes UNIX time.
const ucidLen = 8

// asaiUCIDTag is the ASAI UUI tag that carries the UCID.
const asaiUCIDTag = 0xFA

// UCID parses any spelling of an Avaya UCID and returns its canonical key
// (16 upper-case hex digits). Accepted spellings:
//
//   - hex, any case: 004762C169FA480C (a ";encoding=hex" or other ";param" suffix is ignored)
//   - 20 decimal digits: 00071252811778010124 (5 node + 5 sequence + 10 time)
//   - ASAI UUI hex: 04FA08004762C169FA480CC814… (protocol byte, then tag FA length 08)
func UCID(s string) (Key, error) {
	s = trimUUIValue(s)
	if s == "" {
		return Key{}, ErrEmpty
	}
	if len(s) > 2*MaxValueLen {
		return Key{}, ErrTooLong
	}
	var raw [ucidLen]byte
	switch {
	case len(s) == 2*ucidLen && decodeHex(raw[:], s):
	case len(s) == 20 && isDigits(s):
		if !decodeDecimal(&raw, s) {
			return Key{}, fmt.Errorf("%w: decimal field out of range in %q", ErrUCIDFormat, s)
		}
	default:
		u, ok := ucidFromASAI(s)
		if !ok {
			return Key{}, fmt.Errorf("%w: %q", ErrUCIDFormat, s)
		}
		raw = u
	}
	if raw == [ucidLen]byte{} {
		return Key{}, fmt.Errorf("%w: all zero", ErrUCIDFormat)
	}
	return Key{Kind: KindUCID, Value: encodeHexUpper(raw[:])}, nil
}

// UCIDDecimal renders a canonical UCID key in the 20-digit decimal form that
// Avaya CMs log and Cisco-Gucid sometimes carries.
func UCIDDecimal(k Key) (string, error) {
	var raw [ucidLen]byte
	if k.Kind != KindUCID || !decodeHex(raw[:], k.Value) {
		return "", fmt.Errorf("%w: %v", ErrUCIDFormat, k)
	}
	node := binary.BigEndian.Uint16(raw[0:2])
	seq := binary.BigEndian.Uint16(raw[2:4])
	ts := binary.BigEndian.Uint32(raw[4:8])
	return fmt.Sprintf("%05d%05d%010d", node, seq, ts), nil
}

// FromUUI extracts every key a User-to-User value carries: a UCID inside an
// ASAI UUI, or a bare UCID in hex or decimal. It returns nil when it finds none.
func FromUUI(s string) []Key {
	k, err := UCID(s)
	if err != nil {
		return nil
	}
	return []Key{k}
}

// trimUUIValue drops surrounding space, quotes, a 0x prefix and any
// ";encoding=hex" style parameters.
func trimUUIValue(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	s = strings.Trim(s, `"`)
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	return s
}

func decodeDecimal(raw *[ucidLen]byte, s string) bool {
	node, err1 := strconv.ParseUint(s[0:5], 10, 16)
	seq, err2 := strconv.ParseUint(s[5:10], 10, 16)
	ts, err3 := strconv.ParseUint(s[10:20], 10, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	binary.BigEndian.PutUint16(raw[0:2], uint16(node))
	binary.BigEndian.PutUint16(raw[2:4], uint16(seq))
	binary.BigEndian.PutUint32(raw[4:8], uint32(ts))
	return true
}

// ucidFromASAI walks the TLVs of a hex ASAI UUI looking for tag FA length 8.
// The first byte is normally the protocol discriminator (00 or 04); some
// systems omit it, so a buffer that starts with FA 08 is read as TLVs directly.
func ucidFromASAI(s string) ([ucidLen]byte, bool) {
	var out [ucidLen]byte
	if len(s)%2 != 0 || len(s) < 2*(2+ucidLen) {
		return out, false
	}
	var buf [MaxValueLen]byte
	b := buf[:len(s)/2]
	if !decodeHex(b, s) {
		return out, false
	}
	for _, start := range []int{1, 0} {
		if u, ok := scanTLV(b[start:]); ok {
			return u, true
		}
	}
	return out, false
}

func scanTLV(b []byte) ([ucidLen]byte, bool) {
	var out [ucidLen]byte
	for len(b) >= 2 {
		tag, n := b[0], int(b[1])
		if len(b) < 2+n {
			return out, false
		}
		if tag == asaiUCIDTag && n == ucidLen {
			copy(out[:], b[2:2+n])
			return out, true
		}
		b = b[2+n:]
	}
	return out, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func fromHex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// decodeHex fills dst from the hex string s; len(s) must be 2*len(dst).
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := fromHex(s[2*i]), fromHex(s[2*i+1])
		if hi < 0 || lo < 0 {
			return false
		}
		dst[i] = byte(hi<<4 | lo)
	}
	return true
}

func encodeHexUpper(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i] = digits[c>>4]
		out[2*i+1] = digits[c&0x0f]
	}
	return string(out)
}
