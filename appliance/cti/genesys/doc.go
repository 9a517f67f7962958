// Package genesys is the Genesys Cloud CTI tracker (cti.source "genesys",
// DESIGN §8): it logs in with the customer's OAuth client, follows every
// agent's conversations through the Notification Service, and turns them
// into cti.Events. The appliance runs it in direct mode; the lab's cloud
// simulator runs it and forwards its events over the control channel.
//
// It uses golang.org/x/oauth2/clientcredentials (client id and secret in a
// Basic header), net/http and gorilla/websocket, and decodes only the
// fields it uses, tolerating unknown fields and enum values. It does not
// use Genesys's generated SDK.
//
// # Genesys
//
//	POST https://login.<domain>/oauth/token        client credentials → access_token, expires_in
//	GET  /api/v2/users?pageSize&pageNumber&state   every active user, following nextUri
//	POST /api/v2/notifications/channels            → id, connectUri, expires (24 h)
//	PUT  /api/v2/notifications/channels/{id}/subscriptions?ignoreErrors=true
//	     [{"id":"v2.users.{userId}.conversations"}, ...]  at most 1,000
//	     → entities[]: id, state (Permitted|Rejected), rejectionReason, missingPermissions
//	HEAD /api/v2/notifications/channels/{id}       200, or 404 when the channel is gone
//	DELETE /api/v2/notifications/channels/{id}/subscriptions
//	GET  /api/v2/conversations/calls/{id}          the call as it is now (after a reconnect)
//	WebSocket connectUri                          notifications; {"message":"ping"} → pong
//
// Region names (usw2, us-west-2) and domains (usw2.pure.cloud,
// mypurecloud.com) map to the login and API hosts; a domain not in the
// table is taken as given. Config.BaseURL replaces both for the lab.
//
// # Channels
//
// One channel takes 1,000 topics, and an OAuth client may have 20
// channels; creating a 21st evicts the least recently used. The tracker
// puts each agent's v2.users.{id}.conversations topic on a channel with
// room and never creates a 21st channel: past 20,000 agents it follows
// the first 20,000 and reports ErrTooManyAgents rather than losing a
// channel's events to eviction. It re-reads the users every UserRefresh,
// subscribing new agents and dropping removed ones.
//
// A topic Genesys refuses (state Rejected, missingPermissions) is reported
// once per change, naming the permission the OAuth client's role lacks,
// and subscribed again 30 s, 1, 2 and 4 min later, then at every user
// refresh, so that its agent is followed without a restart once the role
// is fixed (cogito_edge_genesys_topic_retries_total counts the retries).
//
// Each channel's socket is watched: Genesys sends a channel.metadata
// heartbeat every 30 s, and the tracker pings every PingInterval; with no
// heartbeat or pong for HeartbeatTimeout (70 s) the socket is
// reconnected, and so it is on v2.system.socket_closing. A channel that is
// gone (the handshake or HEAD answers 404, or {"result":"404"} arrives),
// or whose socket will not come back, is replaced: a new channel is
// created, connected and subscribed first, then the old one is dropped.
// Before a channel's 24 h expiry the same replacement renews it, keeping
// the old socket for Overlap so that nothing in flight is lost; with no
// spare channel left it is renewed in place by subscribing again.
//
// Notifications are not replayed after a gap. After every reconnect or
// replacement, each conversation with an agent leg not yet ended is read
// back with GET /api/v2/conversations/calls/{id}, and what changed
// meanwhile is emitted; a conversation that no longer exists ends.
//
// API requests back off on 5xx and network errors, wait out a 429's
// Retry-After, and on 401 drop the token and retry with a fresh one. A
// failed token refresh is an error the request retries, never a panic,
// and the notification sockets do not depend on the token, so a refresh
// never loses an event.
//
// # Events
//
// Every notification carries the whole conversation; the mapper diffs it
// against the last one it saw. For each agent participant (purpose agent
// or user, with a userId, not a monitor or coach), the state of its call
// gives: connected → start, held → hold, no longer held → resume,
// disconnected or terminated → end (an agent who never connected gives
// nothing). An agent-to-agent transfer is thus an end for one agent and a
// start for the other; ends come before starts within one snapshot.
//
//	conversation_id  eventBody.id
//	uui              the customer's (or external party's) calls[].uuiData,
//	                 else the agent's own call's, else the participant
//	                 attribute Config.UUIAttribute (ASAIUUI)
//	ucid             the UCID inside that UUI, when it carries one
//	agent_id         the agent participant's userId
//	direction        the agent's call's direction (inbound|outbound)
//	at               connectedTime, startHoldTime or disconnectedTime
//	                 when Genesys gives it, else now
//
// The same snapshot arriving twice (two agents' topics, two channels
// during a renewal) is applied once: the mapper remembers the
// fingerprints of the last 32,768 snapshots.
//
// # Use
//
//	tr, err := genesys.New(genesys.Config{Region: "usw2", ClientID: id, ClientSecret: secret,
//		OnEvent: func(ev cti.Event) { ... }}, log, genesys.NewMetrics(reg))
//	go tr.Run(ctx)
//	defer tr.Close()
//	err = tr.Ready() // for /readyz
package genesys
