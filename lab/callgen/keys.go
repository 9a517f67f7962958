package callgen

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
)

// Keys are the match keys a call carries; a test sends them back as the CTI
// event.
type Keys struct {
	UCID           string `json:"ucid,omitempty"`            // 16 hex digits (inbound)
	UUI            string `json:"uui,omitempty"`             // ASAI UUI hex carrying the UCID (inbound)
	ConversationID string `json:"conversation_id,omitempty"` // Genesys UUID (outbound)
}

// keyGen hands out keys that are unique within a run and unlikely to repeat
// across runs: a random UCID node/sequence base plus a counter, and random
// UUIDs and Oracle-style numeric stream labels.
type keyGen struct {
	ucidBase  uint32
	labelBase uint32
	n         atomic.Uint32
}

func newKeyGen() *keyGen {
	return &keyGen{
		ucidBase:  mrand.Uint32(),
		labelBase: 100_000_000 + mrand.Uint32N(800_000_000),
	}
}

// next returns the keys and the two stream labels of a new call.
func (g *keyGen) next(dir Direction, now time.Time) (Keys, [2]string) {
	n := g.n.Add(1)
	label := g.labelBase + 2*n
	labels := [2]string{fmt.Sprint(label), fmt.Sprint(label + 1)}
	if dir == Outbound {
		return Keys{ConversationID: newUUID()}, labels
	}
	var raw [8]byte
	// Node and sequence together are the counter, so no two calls of a run
	// share a UCID; the top bit keeps the node non-zero.
	binary.BigEndian.PutUint32(raw[0:4], (g.ucidBase+n)|0x8000_0000)
	binary.BigEndian.PutUint32(raw[4:8], uint32(now.Unix()))
	ucid := strings.ToUpper(hex.EncodeToString(raw[:]))
	return Keys{UCID: ucid, UUI: asaiUUI(ucid)}, labels
}

// asaiUUI builds the ASAI User-to-User value an Avaya/Oracle path carries:
// protocol discriminator 04, tag FA length 08 with the UCID, then tag C8
// length 14 with the UCID's 20-digit decimal form in ASCII (as in the
// oracle-3 capture).
func asaiUUI(ucid string) string {
	k, err := callkey.UCID(ucid)
	if err != nil {
		return "04FA08" + ucid
	}
	dec, err := callkey.UCIDDecimal(k)
	if err != nil {
		return "04FA08" + ucid
	}
	return "04FA08" + ucid + "C814" + strings.ToUpper(hex.EncodeToString([]byte(dec)))
}

// newUUID returns a random RFC 4122 version 4 UUID in lower case.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// oracleID returns an identifier shaped like Oracle's metadata ids
// (base64 of 16 random bytes).
func oracleID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
