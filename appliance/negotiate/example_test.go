package negotiate_test

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/cogito/cogito-edge/appliance/negotiate"
)

// The SIP layer's use of the package over one recording dialog: answer the
// SBC's INVITE inactive, activate with our re-INVITE, apply the SBC's 200 OK
// and answer a session-timer refresh unchanged.
func Example() {
	invite := []byte("v=0\r\no=- 4767439 382445 IN IP4 10.173.188.16\r\ns=-\r\nc=IN IP4 10.173.188.16\r\nt=0 0\r\n" +
		"m=audio 34866 RTP/AVP 0 101\r\na=rtpmap:0 pcmu/8000\r\na=rtpmap:101 telephone-event/8000\r\na=label:739440565\r\na=sendonly\r\n" +
		"m=audio 34870 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=label:739440566\r\na=sendonly\r\n" +
		"m=video 34874 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=label:739440567\r\na=sendonly\r\n")

	// INVITE: parse, decide, allocate ports, answer inactive (pending).
	offer, err := negotiate.ParseOffer(invite)
	if err != nil {
		fmt.Println("488:", err)
		return
	}
	plan := negotiate.NewPlan(offer, negotiate.SRTPAllow)
	ports := make([]int, len(plan.Streams))
	for i, st := range plan.Streams {
		if st.Accepted {
			ports[i] = 20000 + 2*i // from the media port pool
		} else {
			fmt.Printf("m-line %d rejected: %s\n", i, st.Reason) // a metric label
		}
	}
	local, _ := negotiate.NewLocal(netip.MustParseAddr("10.20.0.50"))
	answer, sess, err := plan.Answer(local, ports, negotiate.Inactive)
	if err != nil {
		fmt.Println("500:", err)
		return
	}
	fmt.Printf("200 OK with %d m-lines: %v\n", bytes.Count(answer, []byte("m=")), sess)

	// CTI match: our re-INVITE activates every stream.
	pending, _ := sess.Offer(negotiate.RecvOnly, false)
	sbc200 := []byte("v=0\r\no=- 4767439 382446 IN IP4 10.173.188.16\r\ns=-\r\nc=IN IP4 10.173.188.16\r\nt=0 0\r\n" +
		"m=audio 34866 RTP/AVP 0\r\na=label:739440565\r\na=sendonly\r\n" +
		"m=audio 34870 RTP/AVP 0\r\na=label:739440566\r\na=sendonly\r\n" +
		"m=video 0 RTP/AVP 96\r\na=label:739440567\r\n")
	sess, err = pending.Apply(sbc200)
	if err != nil {
		fmt.Println("keep the old session:", err)
		return
	}
	fmt.Println("active:", sess)
	for _, st := range sess.Streams() {
		if st.Accepted {
			fmt.Printf("  media: listen :%d for %s from %v:%d (%s)\n", st.LocalPort, st.Codec.Name, st.RemoteAddr, st.RemotePort, st.Label)
		}
	}

	// Session refresh: the SBC resends its SDP; we repeat ours.
	refresh, _ := negotiate.ParseOffer(sbc200)
	plan, _ = sess.Plan(refresh)
	_, same, _ := plan.Answer(local, nil, negotiate.RecvOnly)
	fmt.Println("refresh unchanged:", plan.Unchanged(), "o= version", same.Version())

	// Output:
	// m-line 2 rejected: not_audio
	// 200 OK with 3 m-lines: session{v=1 0:739440565:20000:PCMU:inactive 1:739440566:20002:PCMU:inactive 2:739440567:rejected(not_audio)}
	// active: session{v=2 0:739440565:20000:PCMU:recvonly 1:739440566:20002:PCMU:recvonly 2:739440567:rejected(not_audio)}
	//   media: listen :20000 for PCMU from 10.173.188.16:34866 (739440565)
	//   media: listen :20002 for PCMU from 10.173.188.16:34870 (739440566)
	// refresh unchanged: true o= version 2
}
