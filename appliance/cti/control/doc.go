// Package control is the appliance's control channel to the Cogito cloud
// (cti.source "cloud"): a WebSocket inside the WireGuard tunnel that brings
// CTI events in and tells the cloud which calls this appliance holds, so
// that the cloud routes each event to the appliance with the call
// (DESIGN §1, §12). The wire messages are exported so that the cloud side
// (and the lab's simulator, lab/cloudsim) speaks exactly the same protocol.
//
// # Protocol
//
// Every message is one WebSocket text message holding one JSON object:
//
//	{"v":1, "type":"<type>", "id":"<id>", "data":{...}}
//
// v is the protocol Version; a message of another version is refused.
// Decoding is strict: unknown fields and trailing data are errors, and so
// is a payload that does not validate. A message of a type this version
// does not know is tolerated and counted, so that the cloud can add types
// first and edges learn them later. Messages are at most MaxMessageSize
// bytes, a hello at most MaxHelloSize.
//
//	type     direction     id                      data
//	hello    edge → cloud  -                       Hello: appliance id, version, every live session
//	session  edge → cloud  -                       Session: one session offered, changed or ended
//	ping     both ways     required                -
//	pong     both ways     the ping's id           -
//	cti      cloud → edge  required (event id)     cti.Event, the JSON of DESIGN §3
//	ack      edge → cloud  the cti message's id    Ack: what the gate did with the event
//
// The edge sends hello first on every connection, with a snapshot of its
// sessions; the cloud replaces what it knew of the appliance with it. A
// session message then upserts one session (state "ended" removes it).
// Sessions that do not fit in MaxHelloSize follow the hello as session
// messages.
//
// Each side pings every ping interval and answers every ping with a pong.
// Any message proves the connection alive: a side that has received none
// for two ping intervals drops the connection, even if TCP still looks
// well (a tunnel that lost its path does not reset it).
//
// # Client
//
// [Client] is the edge's end. It dials through a DialContext (the
// tunnel's, in the appliance), reconnects with jittered exponential
// back-off, delivers CTI events to the gate and acks them, and announces
// the gate's sessions (wire [Client.Observe] to gate.Gate.SetObserver).
// [Client.Ready] fails once the channel has been down longer than
// Config.Grace: the appliance then answers /readyz and SIP OPTIONS with
// 503, so that the SBC hunts to another recorder; calls already recording
// go on.
//
// Authentication is the tunnel's: only the cloud's WireGuard peer reaches
// the control URL, and the cloud knows the appliance by its peer key.
package control
