package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Record is one packet of a pcap file.
type Record struct {
	Time    time.Time
	OrigLen int
	Data    []byte
}

// Reader reads a classic pcap file of either byte order and either
// timestamp resolution.
type Reader struct {
	r        io.Reader
	order    binary.ByteOrder
	nanos    bool
	linkType uint32
}

// NewReader reads the global header from r.
func NewReader(r io.Reader) (*Reader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	rd := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[0:]) == magicMicros:
		rd.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[0:]) == magicMicros:
		rd.order = binary.BigEndian
	case binary.LittleEndian.Uint32(h[0:]) == magicNanos:
		rd.order, rd.nanos = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[0:]) == magicNanos:
		rd.order, rd.nanos = binary.BigEndian, true
	default:
		return nil, ErrFormat
	}
	if rd.order.Uint16(h[4:]) != versionMajor {
		return nil, fmt.Errorf("%w: version %d", ErrFormat, rd.order.Uint16(h[4:]))
	}
	rd.linkType = rd.order.Uint32(h[20:])
	return rd, nil
}

// LinkType returns the file's link-layer type (LinkTypeEthernet for files
// this package writes).
func (r *Reader) LinkType() uint32 { return r.linkType }

// Next returns the next record, or io.EOF after the last one.
func (r *Reader) Next() (Record, error) {
	var h [16]byte
	if _, err := io.ReadFull(r.r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Record{}, fmt.Errorf("%w: torn record header", ErrFormat)
		}
		return Record{}, err
	}
	sec := int64(r.order.Uint32(h[0:]))
	frac := int64(r.order.Uint32(h[4:]))
	if !r.nanos {
		frac *= 1000
	}
	incl := r.order.Uint32(h[8:])
	if incl > 1<<20 {
		return Record{}, fmt.Errorf("%w: record of %d bytes", ErrFormat, incl)
	}
	data := make([]byte, incl)
	if _, err := io.ReadFull(r.r, data); err != nil {
		return Record{}, fmt.Errorf("%w: torn record: %w", ErrFormat, err)
	}
	return Record{Time: time.Unix(sec, frac), OrigLen: int(r.order.Uint32(h[12:])), Data: data}, nil
}
