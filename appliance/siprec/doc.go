// Package siprec reads SIPREC requests (RFC 7865 metadata, RFC 7866
// protocol) the way real SBCs send them: Oracle/Acme Packet, Cisco CUBE,
// Avaya SBCE, BroadWorks, Ribbon/Sonus, OpenSIPS and SEMS.
//
// It does four things and nothing else:
//
//   - IsRecording tells a recording INVITE from an ordinary one.
//   - SplitBody cuts the multipart body into the SDP part (parsed
//     elsewhere), the rs-metadata part and any other parts.
//   - ParseMetadata reads the metadata into a plain model; Apply folds
//     re-INVITE/UPDATE metadata into it; Roles says who sends each stream.
//   - Keys and HeaderKeys gather the callkey.Set the gate matches CTI
//     events against (UCID, conversation id, Call-ID).
//
// Parse does all of it for one request.
//
// Error policy. A body that cannot be split (too large, no boundary,
// truncated) is the SBC's bug and the request should be refused. Metadata is
// different: it is informational, so malformed metadata never rejects a call.
// ParseMetadata then returns what it could salvage together with an error
// wrapping ErrMalformedMetadata, for the caller to log and count. Only hostile
// metadata (DTDs, entity declarations, absurd nesting or sizes) yields
// ErrHostileMetadata and no model at all.
//
// The package holds no state: every function works on its arguments only.
package siprec
