package pcap

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// File format constants (https://www.tcpdump.org/manpages/pcap-savefile.5.txt).
const (
	magicMicros  = 0xa1b2c3d4
	magicNanos   = 0xa1b23c4d
	versionMajor = 2
	versionMinor = 4
	// LinkTypeEthernet is LINKTYPE_ETHERNET (DLT_EN10MB).
	LinkTypeEthernet = 1
	// Snaplen is the capture length the writer declares; frames are never
	// truncated because SIPp refuses truncated packets.
	Snaplen = 65535
)

// Writer writes a classic pcap file with microsecond timestamps and
// Ethernet framing.
type Writer struct {
	w   io.Writer
	hdr [16]byte
}

// NewWriter writes the global header to w and returns a Writer.
func NewWriter(w io.Writer) (*Writer, error) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], magicMicros)
	binary.LittleEndian.PutUint16(h[4:], versionMajor)
	binary.LittleEndian.PutUint16(h[6:], versionMinor)
	// thiszone and sigfigs stay 0
	binary.LittleEndian.PutUint32(h[16:], Snaplen)
	binary.LittleEndian.PutUint32(h[20:], LinkTypeEthernet)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap: writing header: %w", err)
	}
	return &Writer{w: w}, nil
}

// WritePacket writes one record holding the whole frame.
func (w *Writer) WritePacket(ts time.Time, frame []byte) error {
	if len(frame) > Snaplen {
		return fmt.Errorf("%w: frame of %d bytes exceeds snaplen", ErrFrame, len(frame))
	}
	binary.LittleEndian.PutUint32(w.hdr[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(w.hdr[4:], uint32(ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(w.hdr[8:], uint32(len(frame)))  // incl_len
	binary.LittleEndian.PutUint32(w.hdr[12:], uint32(len(frame))) // orig_len
	if _, err := w.w.Write(w.hdr[:]); err != nil {
		return fmt.Errorf("pcap: writing record: %w", err)
	}
	if _, err := w.w.Write(frame); err != nil {
		return fmt.Errorf("pcap: writing record: %w", err)
	}
	return nil
}
