// Package negotiate is the SDP offer/answer of the recording server (SRS)
// side of SIPREC (RFC 7866, DESIGN §4 and §6).
//
// The SBC (the SRC) offers one m-line per recorded stream, each labelled
// (a=label) to tie it to the rs-metadata. We answer with the same m-lines in
// the same order, labels echoed, a codec we decode on each audio line
// (PCMU, PCMA, G.722, plus telephone-event), SDES-SRTP when offered and
// allowed, and every stream inactive while the session waits for a CTI
// match. Activation is our own re-INVITE offering every line recvonly.
//
// The flow for one dialog:
//
//	offer, err := negotiate.ParseOffer(sdpPart)     // from the multipart body
//	plan := negotiate.NewPlan(offer, policy)        // accept/reject, codec, SBC key
//	// allocate a port for every plan.Streams[i].Accepted
//	body, sess, err := plan.Answer(local, ports, negotiate.Inactive)
//	// later, on the CTI match:
//	pending, err := sess.Offer(negotiate.RecvOnly, false)  // our re-INVITE body
//	sess, err = pending.Apply(answerBody)                 // the SBC's 200 OK
//	// on a re-INVITE from the SBC:
//	plan, err = sess.Plan(offer)    // New streams need ports; Unchanged on refresh
//
// Parsing is our own line reader rather than pion/sdp's Unmarshal: pion's
// RFC 4566 state machine rejects what real SBCs send (OpenSIPS omits c= and
// t=, T.38 lines are m=image ... udptl, pion needs a final newline and
// refuses b= before c=), and a refused offer is a lost recording. What we
// write is built from pion/sdp's types and marshalled by it.
//
// Nothing here keeps global state or logs. Rejected streams carry a Reason
// whose String is a metric label, so the SIP layer counts them; SRTP keys
// are of type Secret, which prints and serialises as "[redacted]".
package negotiate
