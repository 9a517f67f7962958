package media

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/pion/srtp/v3"
)

// dropNone is receiveLocked's "kept" result.
const dropNone = numDropReasons

// routineReceive reads the stream's socket until the session closes it.
// One goroutine per stream, never one per packet; a packet is handled to
// the end (parsed, decrypted, decoded into the jitter buffer) before the
// next read, so the kernel's socket buffer is the only queue and a slow
// moment drops datagrams there instead of growing memory here.
func (st *Stream) routineReceive(wg *sync.WaitGroup) {
	defer wg.Done()
	conn := st.pair.rtp
	for {
		n, from, err := conn.ReadFromUDPAddrPort(st.rbuf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if st.closing.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
				st.drainQueued(conn)
				return
			}
			// Unconnected UDP sockets report no ICMP errors; whatever
			// this is, it concerns one datagram.
			st.log.Debug("media: read", "err", err)
			continue
		}
		if n == len(st.rbuf) {
			st.drop(dropBadRTP) // truncated
			continue
		}
		st.handlePacket(st.rbuf[:n], from, time.Now())
	}
}

// drainQueued handles the datagrams already queued on the socket when the
// session closes: the SBC sends its last packets and the BYE together, and
// they belong in the recording. It reads without blocking until the queue
// is empty.
func (st *Stream) drainQueued(conn *net.UDPConn) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return
	}
	// The expired deadline that woke the reader would fail raw.Read before
	// it calls the function; the function never waits, so none is needed.
	_ = conn.SetReadDeadline(time.Time{})
	_ = raw.Read(func(fd uintptr) bool {
		for i := 0; i < maxDrain; i++ {
			n, sa, err := syscall.Recvfrom(int(fd), st.rbuf, syscall.MSG_DONTWAIT)
			if err != nil || n <= 0 {
				break
			}
			if n == len(st.rbuf) {
				st.drop(dropBadRTP)
				continue
			}
			st.handlePacket(st.rbuf[:n], sockaddrAddrPort(sa), time.Now())
		}
		return true // never wait for more
	})
}

// maxDrain bounds drainQueued: a full default socket buffer holds a few
// hundred RTP packets.
const maxDrain = 4096

func sockaddrAddrPort(sa syscall.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *syscall.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// handlePacket runs one datagram through the stream. It never allocates in
// steady state and never blocks beyond the stream's own mutex.
func (st *Stream) handlePacket(pkt []byte, from netip.AddrPort, now time.Time) {
	st.mu.Lock()
	if r := st.receiveLocked(pkt, from, now); r != dropNone {
		st.dropLocked(r)
	}
	st.mu.Unlock()
}

func (st *Stream) drop(r dropReason) {
	st.mu.Lock()
	st.dropLocked(r)
	st.mu.Unlock()
}

func (st *Stream) dropLocked(r dropReason) {
	st.dropped[r]++
	st.m.dropped[r].Inc()
}

// receiveLocked applies the acceptance rules in order of cost: state,
// source address, RTP sanity, SSRC, payload type, then SRTP. Only a packet
// that passed all of them (including authentication) may change the
// latched source or SSRC.
func (st *Stream) receiveLocked(pkt []byte, from netip.AddrPort, now time.Time) dropReason {
	if st.mode == modeInactive || st.mode == modeClosed {
		return dropInactive
	}
	src := netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	if st.cfg.peerIP.IsValid() && src.Addr() != st.cfg.peerIP {
		return dropWrongSource
	}
	// One source at a time: another port or SSRC may take over only when
	// the current one has gone quiet, or right after a renegotiation.
	free := !st.hasSource || st.takeover || now.Sub(st.lastAccepted) >= sourceTakeover
	if !free && src != st.source {
		return dropWrongSource
	}
	if r := checkRTP(pkt); r != dropNone {
		return r
	}
	hlen, err := st.hdr.Unmarshal(pkt)
	if err != nil {
		return dropBadRTP
	}
	h := &st.hdr
	if !free && h.SSRC != st.ssrc {
		return dropSSRCConflict
	}
	codec := st.cfg.payloads[h.PayloadType]
	if codec == CodecNone {
		return dropUnknownPayload
	}
	payload := pkt[hlen:]
	if st.srtp != nil {
		st.replay.rejected = false
		plain, err := st.srtp.DecryptRTP(st.plain, pkt, h)
		switch {
		case err == nil:
			payload = plain[hlen:]
		case st.replay.rejected:
			return dropSRTPReplay
		case errors.Is(err, srtp.ErrFailedToVerifyAuthTag):
			st.m.srtpAuthFail.Inc()
			return dropSRTPAuthFail
		default:
			return dropBadRTP
		}
	}
	if h.Padding {
		// RFC 3550 §5.1: the last octet counts the padding, itself included.
		if len(payload) == 0 || int(payload[len(payload)-1]) == 0 || int(payload[len(payload)-1]) > len(payload) {
			return dropBadRTP
		}
		payload = payload[:len(payload)-int(payload[len(payload)-1])]
	}
	if len(payload) > maxPacketSamples {
		return dropBadRTP
	}

	// Authentic and well formed: commit the source.
	if !st.hasSource || h.SSRC != st.ssrc {
		st.newSourceLocked(h.SSRC)
	}
	st.source = src
	st.lastAccepted = now
	st.takeover = false

	st.packets++
	st.bytes += uint64(len(pkt))
	st.m.packets.Inc()
	st.m.bytes.Add(float64(len(pkt)))
	res := st.seq.update(h.SequenceNumber)
	switch res {
	case seqDuplicate:
		st.m.duplicates.Inc()
		return dropNone
	case seqRestart:
		// A sequence jump is a sender restart: its timestamps start a new
		// timeline too.
		st.jb.unanchor()
		st.jb.reanchors++
		st.m.reanchors.Inc()
	}
	if codec == CodecTelephoneEvent {
		st.eventPackets++
		// An event's packets (updates and the three end packets) share
		// its timestamp.
		if !st.haveEvent || h.Timestamp != st.lastEventTS {
			st.events++
			st.haveEvent, st.lastEventTS = true, h.Timestamp
		}
		return dropNone
	}
	st.lastCodec = codec
	st.arrival.update(now, h.Timestamp)
	if st.mode != modeActive || len(payload) == 0 {
		return dropNone // held: counted, audio dropped
	}
	st.playLocked(codec, payload, now, res == seqNewest || res == seqRestart)
	return dropNone
}

// playLocked decodes the payload into the jitter buffer. G.711 and G.722
// (decoded to 8 kHz) both yield one sample per payload byte.
func (st *Stream) playLocked(codec Codec, payload []byte, now time.Time, newest bool) {
	nowPos := int64(now.Sub(st.clockZero) / sampleDuration)
	reanchors := st.jb.reanchors
	pos, skip, res := st.jb.place(st.hdr.Timestamp, len(payload), nowPos, newest)
	if st.jb.reanchors != reanchors {
		st.m.reanchors.Inc()
	}
	if res == placeLate || res == placeOK && skip > 0 {
		st.m.late.Inc()
	}
	if res != placeOK {
		return
	}
	switch codec {
	case CodecPCMU:
		st.jb.writeTable(pos+int64(skip), payload[skip:], &ulawTable)
	case CodecPCMA:
		st.jb.writeTable(pos+int64(skip), payload[skip:], &alawTable)
	case CodecG722:
		// Reordered packets reach the ADPCM decoder out of order; its
		// state recovers within milliseconds, as after a loss.
		st.jb.writeG722(pos, skip, payload, &st.g722)
	}
}

// newSourceLocked switches the stream to a new SSRC: new sequence run, new
// jitter anchor, fresh decoder. It is a new source after a re-INVITE or a
// transfer, not an attack.
func (st *Stream) newSourceLocked(ssrc uint32) {
	if st.hasSource {
		st.ssrcChanges++
		st.m.ssrcChanges.Inc()
	}
	st.hasSource, st.ssrc = true, ssrc
	st.seq.fold()
	st.arrival = interarrival{}
	st.jb.unanchor()
	st.g722.reset()
	st.haveEvent = false
}

// checkRTP validates the fixed header, CSRC list and extension length
// before pion parses them: pion reports those errors with fmt.Errorf, which
// allocates, and a flood of junk must stay allocation-free.
func checkRTP(pkt []byte) dropReason {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return dropBadRTP
	}
	if pt := pkt[1]; pt >= 192 && pt <= 223 {
		return dropRTCP // RFC 5761 §4: RTCP packet types 192-223
	}
	n := 12 + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < n+4 {
			return dropBadRTP
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(pkt[n+2:]))
	}
	if len(pkt) < n {
		return dropBadRTP
	}
	return dropNone
}
