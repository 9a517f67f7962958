// Package genesyssim plays Genesys Cloud for tests and the lab
// (`cogito-lab genesys`, DESIGN §11): the OAuth token endpoint, the users,
// the Notification Service (channels, subscriptions, WebSockets) and call
// conversations, at the HTTP and WebSocket level, on loopback. The
// tracker (appliance/cti/genesys) runs against it unchanged, with its
// base URL set to Sim.URL.
//
//	POST   /oauth/token                                  client credentials (Basic), expires_in = TokenLife
//	GET    /api/v2/users?pageSize&pageNumber             paged, nextUri; pageSize ≤ 500
//	POST   /api/v2/notifications/channels                id, connectUri, expires; a 21st evicts the LRU
//	GET    /api/v2/notifications/channels
//	HEAD   /api/v2/notifications/channels/{id}           200 or 404
//	GET    /api/v2/notifications/channels/{id}/subscriptions
//	PUT    /api/v2/notifications/channels/{id}/subscriptions[?ignoreErrors=true]
//	                                                     > 1,000 topics: 400; refused: Rejected + missingPermissions
//	DELETE /api/v2/notifications/channels/{id}/subscriptions
//	GET    /api/v2/conversations/calls/{id}              the call now (participants carry state, held, direction, uuiData)
//	GET    /channels/{id}                                the connectUri WebSocket
//
// The sockets carry what Genesys sends: a channel.metadata heartbeat
// every HeartbeatInterval, "pong" for {"message":"ping"},
// v2.system.socket_closing, and v2.users.{id}.conversations
// notifications whose eventBody is the whole conversation (participants
// with purpose, userId, attributes, calls[] with state, held, direction,
// uuiData, times). A notification goes to the topic of every user in the
// call, on every channel subscribed to it that has a socket; as on
// Genesys, a channel without a socket misses it.
//
// Scripted calls, in Go or over HTTP (POST /sim/calls/...):
//
//	Inbound(agent, opts)        customer → queue → agent, UUI = ASAI 04FA08<UCID>C814<decimal UCID>
//	Outbound(agent, convID)     agent → external number, under a given conversation id
//	Hold, Resume                the connected agent's call
//	Transfer(conv, toAgent)     the first agent's call disconnects, the second's connects
//	Disconnect(conv)            every call disconnects, then the agents' terminate
//
// Fault injection (POST /sim/faults/...): SocketClosing, KillSockets,
// DropHeartbeats, RateLimit (429 + Retry-After), RevokeTokens,
// FailTokens, DeleteChannel, Outage, RejectTopics (missingPermissions).
//
// Heartbeats, channel expiry and the socket_closing grace run on
// Config.Clock; tests share a ManualClock with the tracker. Tokens expire
// in wall time.
package genesyssim
