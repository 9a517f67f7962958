package pcap

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

const (
	ethHeaderLen  = 14
	ipv4HeaderLen = 20
	udpHeaderLen  = 8
	etherTypeIPv4 = 0x0800
	protoUDP      = 17
	// FrameOverhead is the bytes an Ethernet/IPv4/UDP frame adds to a payload.
	FrameOverhead = ethHeaderLen + ipv4HeaderLen + udpHeaderLen
)

// Locally administered MAC addresses: the frames never touch a real link,
// they only have to look like Ethernet to pcap readers.
var (
	srcMAC = [6]byte{0x02, 0, 0, 0, 0, 0x01}
	dstMAC = [6]byte{0x02, 0, 0, 0, 0, 0x02}
)

// UDPPacket is a parsed Ethernet/IPv4/UDP frame.
type UDPPacket struct {
	Src, Dst netip.AddrPort
	ID       uint16 // IPv4 identification
	Payload  []byte // aliases the frame
}

// AppendUDPFrame appends an Ethernet/IPv4/UDP frame carrying payload from
// src to dst, with the IPv4 header checksum and the UDP checksum filled in.
// Both addresses must be IPv4.
func AppendUDPFrame(b []byte, src, dst netip.AddrPort, id uint16, payload []byte) ([]byte, error) {
	if !src.Addr().Is4() || !dst.Addr().Is4() {
		return b, fmt.Errorf("%w: %v -> %v is not IPv4", ErrFrame, src, dst)
	}
	udpLen := udpHeaderLen + len(payload)
	if ipv4HeaderLen+udpLen > 0xffff {
		return b, fmt.Errorf("%w: payload of %d bytes", ErrFrame, len(payload))
	}
	b = append(b, dstMAC[:]...)
	b = append(b, srcMAC[:]...)
	b = binary.BigEndian.AppendUint16(b, etherTypeIPv4)

	ip := len(b)
	s, d := src.Addr().As4(), dst.Addr().As4()
	b = append(b, 0x45, 0) // version 4, IHL 5; DSCP 0
	b = binary.BigEndian.AppendUint16(b, uint16(ipv4HeaderLen+udpLen))
	b = binary.BigEndian.AppendUint16(b, id)
	b = binary.BigEndian.AppendUint16(b, 0x4000) // don't fragment
	b = append(b, 64, protoUDP, 0, 0)            // TTL, protocol, checksum placeholder
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	binary.BigEndian.PutUint16(b[ip+10:], ^fold(sum16(0, b[ip:ip+ipv4HeaderLen])))

	udp := len(b)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(udpLen))
	b = append(b, 0, 0)
	b = append(b, payload...)
	c := ^fold(udpSum(s, d, b[udp:]))
	if c == 0 {
		c = 0xffff // RFC 768: a computed zero is sent as all ones
	}
	binary.BigEndian.PutUint16(b[udp+6:], c)
	return b, nil
}

// ParseUDPFrame parses an Ethernet/IPv4/UDP frame and verifies its lengths
// and checksums.
func ParseUDPFrame(frame []byte) (UDPPacket, error) {
	if len(frame) < FrameOverhead || binary.BigEndian.Uint16(frame[12:]) != etherTypeIPv4 {
		return UDPPacket{}, fmt.Errorf("%w: not IPv4 over Ethernet", ErrFrame)
	}
	ip := frame[ethHeaderLen:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ihl < ipv4HeaderLen || len(ip) < ihl+udpHeaderLen || ip[9] != protoUDP {
		return UDPPacket{}, fmt.Errorf("%w: not an IPv4 UDP packet", ErrFrame)
	}
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total < ihl+udpHeaderLen || total > len(ip) {
		return UDPPacket{}, fmt.Errorf("%w: IPv4 total length %d of %d bytes", ErrFrame, total, len(ip))
	}
	if fold(sum16(0, ip[:ihl])) != 0xffff {
		return UDPPacket{}, fmt.Errorf("%w: IPv4 header", ErrChecksum)
	}
	udp := ip[ihl:total]
	if int(binary.BigEndian.Uint16(udp[4:])) != len(udp) {
		return UDPPacket{}, fmt.Errorf("%w: UDP length %d, IP says %d", ErrFrame, binary.BigEndian.Uint16(udp[4:]), len(udp))
	}
	s, d := [4]byte(ip[12:16]), [4]byte(ip[16:20])
	if binary.BigEndian.Uint16(udp[6:]) != 0 && fold(udpSum(s, d, udp)) != 0xffff {
		return UDPPacket{}, fmt.Errorf("%w: UDP", ErrChecksum)
	}
	return UDPPacket{
		Src:     netip.AddrPortFrom(netip.AddrFrom4(s), binary.BigEndian.Uint16(udp[0:])),
		Dst:     netip.AddrPortFrom(netip.AddrFrom4(d), binary.BigEndian.Uint16(udp[2:])),
		ID:      binary.BigEndian.Uint16(ip[4:]),
		Payload: udp[udpHeaderLen:],
	}, nil
}

// udpSum is the unfolded ones'-complement sum of the IPv4 pseudo-header and
// the UDP header and data (checksum field included as it stands).
func udpSum(src, dst [4]byte, udp []byte) uint32 {
	s := sum16(0, src[:])
	s = sum16(s, dst[:])
	s += protoUDP + uint32(len(udp))
	return sum16(s, udp)
}

// sum16 adds b to s as big-endian 16-bit words, padding an odd tail with zero.
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// fold folds the carries of a ones'-complement sum into 16 bits.
func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
