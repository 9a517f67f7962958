package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/cogito/cogito-edge/appliance/callkey"
	"github.com/cogito/cogito-edge/lab/sipp"
)

// freshKeys returns new match keys and stream labels for one SIPp call,
// unlikely to repeat across runs: the appliance's early-event cache and its
// matching are keyed on them. Inbound calls carry a UCID and the ASAI UUI
// that wraps it; outbound calls a Genesys conversation id.
func freshKeys(inbound bool, now time.Time) sipp.Call {
	base := 100_000_000 + mrand.Uint32N(800_000_000)
	c := sipp.Call{Labels: [2]string{fmt.Sprint(base), fmt.Sprint(base + 1)}}
	if !inbound {
		c.ConversationID = newUUID()
		return c
	}
	var raw [8]byte
	binary.BigEndian.PutUint32(raw[0:4], mrand.Uint32()|0x8000_0000) // node never zero
	binary.BigEndian.PutUint32(raw[4:8], uint32(now.Unix()))
	c.UCID = strings.ToUpper(hex.EncodeToString(raw[:]))
	c.UUI = asaiUUI(c.UCID)
	return c
}

// asaiUUI is the ASAI User-to-User value carrying ucid: protocol 04, tag
// FA length 08 with the UCID, tag C8 length 14 with its 20-digit decimal
// form in ASCII (as Oracle SBCs forward it from Avaya).
func asaiUUI(ucid string) string {
	k, err := callkey.UCID(ucid)
	if err != nil {
		return "04FA08" + ucid
	}
	dec, err := callkey.UCIDDecimal(k)
	if err != nil {
		return "04FA08" + ucid
	}
	return "04FA08" + k.Value + "C814" + strings.ToUpper(hex.EncodeToString([]byte(dec)))
}

// matchKey returns the canonical "kind:value" key the appliance lists for
// the call (GET /v1/calls), or "" when the call has none.
func matchKey(c sipp.Call) string {
	if c.UCID != "" {
		if k, err := callkey.UCID(c.UCID); err == nil {
			return k.String()
		}
	}
	if c.ConversationID != "" {
		if k, err := callkey.Conversation(c.ConversationID); err == nil {
			return k.String()
		}
	}
	return ""
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
