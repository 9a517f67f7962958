package negotiate

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync/atomic"
)

// originUser is the o= username of every SDP we write; RFC 4566 allows "-",
// but a name makes our SDP easy to find in an SBC trace.
const originUser = "cogito-edge"

// Local is our side of one dialog's SDP: the media address advertised in c=
// and the o= session id and version. RFC 3264 section 8 wants the same
// session id for the whole dialog and a version that grows by one with
// every new SDP we send, so the SIP layer keeps one Local per dialog and
// passes it to every answer and offer. It is safe for concurrent use: an
// answer to the SBC's re-INVITE may race our own re-INVITE (glare).
type Local struct {
	addr      netip.Addr
	sessionID uint64
	version   atomic.Uint64
}

// NewLocal returns the origin state for a new dialog whose media arrives at
// addr (media.address). The session id is random so that two dialogs, or
// two runs of the appliance, never share one.
func NewLocal(addr netip.Addr) (*Local, error) {
	addr = addr.Unmap().WithZone("")
	if !addr.IsValid() || addr.IsUnspecified() {
		return nil, fmt.Errorf("negotiate: new local: %w: %v", ErrBadLocalAddress, addr)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("negotiate: new local: %w", err)
	}
	// Below 2^31: some SBCs store the o= numbers in a signed 32-bit int.
	id := binary.BigEndian.Uint64(b[:])%(1<<31-1) + 1
	return &Local{addr: addr, sessionID: id}, nil
}

// Addr returns the media address advertised in c=.
func (l *Local) Addr() netip.Addr { return l.addr }

// SessionID returns the o= session id.
func (l *Local) SessionID() uint64 { return l.sessionID }

// Version returns the o= version of the last SDP produced, 0 before any.
func (l *Local) Version() uint64 { return l.version.Load() }

// Next advances the o= version and returns it. Answer and Offer call it
// for every new SDP; an unchanged answer to a session refresh reuses the
// previous SDP and does not.
func (l *Local) Next() uint64 { return l.version.Add(1) }

// ipType is the c=/o= address type of our address.
func (l *Local) ipType() string {
	if l.addr.Is4() {
		return "IP4"
	}
	return "IP6"
}
