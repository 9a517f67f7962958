package pcap

import "errors"

var (
	// ErrFormat is returned for a file that is not a classic pcap file.
	ErrFormat = errors.New("pcap: not a classic pcap file")
	// ErrFrame is returned for a frame that is not a well-formed
	// Ethernet/IPv4/UDP frame.
	ErrFrame = errors.New("pcap: not an Ethernet/IPv4/UDP frame")
	// ErrChecksum is returned for a frame with a bad IPv4 or UDP checksum.
	ErrChecksum = errors.New("pcap: bad checksum")
)
