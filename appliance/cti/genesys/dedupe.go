package genesys

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"sort"
)

// Deduplication. A conversation reaches the tracker on several streams: a
// stream is one topic on one channel. Every agent in the call has a topic,
// and during a channel renewal the same topic is on two channels. Each
// stream delivers in order and never twice, but the same snapshot comes on
// several streams, and a copy may come late. A conversation can also
// legitimately return to an earlier state (resumed looks exactly like
// before the hold), so "seen this snapshot before" is not enough.
//
// The mapper numbers every snapshot it applies (seq) and keeps each
// conversation's recent history of (fingerprint, seq). Each stream has a
// cursor, the seq of the last snapshot it delivered; a new stream starts
// at the seq current when its channel was subscribed. A snapshot from a
// stream is a copy when the history holds the same fingerprint after that
// stream's cursor: the stream has caught up with a snapshot another stream
// brought first. Otherwise it is new: applied and appended.

// historySize is how many snapshots of one conversation are remembered.
const historySize = 64

// source says which stream a notification came on.
type source struct {
	channel string
	topic   string
	// start is the mapper's seq when the channel was subscribed: the
	// stream carries only what happened after it.
	start uint64
}

func (s source) key() string { return s.channel + "\x00" + s.topic }

// histEntry is one applied snapshot of a conversation.
type histEntry struct {
	fp  uint64
	seq uint64
}

// copyOf reports whether fp from the stream at cursor is a copy of a
// snapshot already applied, and the seq it copies.
func copyOf(hist []histEntry, fp, cursor uint64) (uint64, bool) {
	best, found := uint64(0), false
	for _, h := range hist {
		if h.seq > cursor && h.fp == fp && (!found || h.seq < best) {
			best, found = h.seq, true
		}
	}
	return best, found
}

// appendHist adds an entry, dropping the oldest beyond historySize.
func appendHist(hist []histEntry, e histEntry) []histEntry {
	if len(hist) == historySize {
		copy(hist, hist[1:])
		hist = hist[:historySize-1]
	}
	return append(hist, e)
}

// fingerprint hashes what the mapper reads of a snapshot. Two
// notifications that differ only in fields the tracker ignores are the
// same snapshot to it.
func fingerprint(seed maphash.Seed, s *snapshot, uuiAttr string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	str := func(s string) {
		var n [4]byte
		binary.LittleEndian.PutUint32(n[:], uint32(min(len(s), math.MaxUint32)))
		h.Write(n[:])
		h.WriteString(s)
	}
	num := func(v int64) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	flag := func(b bool) {
		if b {
			num(1)
		} else {
			num(0)
		}
	}
	str(s.ID)
	num(int64(len(s.Parties)))
	for i := range s.Parties {
		p := &s.Parties[i]
		str(p.ID)
		str(p.Purpose)
		str(p.UserID)
		flag(p.Observer)
		if uuiAttr != "" {
			str(p.Attrs[uuiAttr])
		}
		num(int64(len(p.Calls)))
		for _, c := range p.Calls {
			str(c.State)
			flag(c.Held)
			str(c.Direction)
			str(c.UUI)
			num(c.Connected.UnixNano())
			num(c.Ended.UnixNano())
			num(c.HeldSince.UnixNano())
		}
	}
	return h.Sum64()
}

// sortedKeys returns m's keys in order (deterministic logs and tests).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
