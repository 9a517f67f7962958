package negotiate

// Direction is an SDP media direction attribute, seen from the side that
// wrote it. It is a bit set (bit 0 receive, bit 1 send) so that the
// RFC 3264 answer rule is a mask.
//
// The zero value is Inactive on purpose: a caller that forgets to pick a
// direction produces an SDP that keeps media off, which is the safe state
// for a recorder waiting for a CTI match (DESIGN §4).
type Direction uint8

// Directions.
const (
	Inactive Direction = 0
	RecvOnly Direction = 1
	SendOnly Direction = 2
	SendRecv Direction = RecvOnly | SendOnly
)

// String returns the SDP attribute name ("sendonly", ...).
func (d Direction) String() string {
	switch d & SendRecv {
	case RecvOnly:
		return "recvonly"
	case SendOnly:
		return "sendonly"
	case SendRecv:
		return "sendrecv"
	default:
		return "inactive"
	}
}

// MarshalText makes JSON show the attribute name rather than the bit set.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// parseDirection recognises the four RFC 4566 direction attributes. Anything
// else, including SEMS's non-standard "a=direction:both" (a COMEDIA-style
// hint, not a media direction), is not a direction.
func parseDirection(attr string) (Direction, bool) {
	switch attr {
	case "sendrecv":
		return SendRecv, true
	case "sendonly":
		return SendOnly, true
	case "recvonly":
		return RecvOnly, true
	case "inactive":
		return Inactive, true
	}
	return 0, false
}

// answerDirection applies RFC 3264 section 6.1: the answerer may receive only
// what the offerer sends and send only what the offerer receives. want is
// what we would like; the result never exceeds what the offer allows, so an
// inactive offer (Cisco) is always answered inactive.
func answerDirection(offered, want Direction) Direction {
	var d Direction
	if want&RecvOnly != 0 && offered&SendOnly != 0 {
		d |= RecvOnly
	}
	if want&SendOnly != 0 && offered&RecvOnly != 0 {
		d |= SendOnly
	}
	return d
}
