package genesyssim

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// NewUCID returns a fresh Avaya UCID in its 16-hex-digit form: 2 bytes of
// node, 2 of sequence, 4 of UNIX time.
func NewUCID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:4])
	b[0] &= 0x7f // node stays below 32768, a 5-digit decimal
	binary.BigEndian.PutUint32(b[4:], uint32(now.Unix()))
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ASAIUUI wraps a UCID in the ASAI User-to-User Information Genesys
// reports as uuiData: protocol discriminator 04, tag FA length 08 with the
// UCID, then tag C8 length 14 with its 20-digit decimal form in ASCII —
// 04FA08<16 hex>C814<40 hex>.
func ASAIUUI(ucid string) (string, error) {
	k, err := callkey.UCID(ucid)
	if err != nil {
		return "", fmt.Errorf("genesyssim: UCID %q: %w", ucid, err)
	}
	dec, err := callkey.UCIDDecimal(k)
	if err != nil {
		return "", err
	}
	return "04FA08" + k.Value + "C814" + strings.ToUpper(hex.EncodeToString([]byte(dec))), nil
}
