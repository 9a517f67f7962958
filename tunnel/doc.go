// Package tunnel is the appliance's WireGuard tunnel to the Cogito cloud,
// in user space: wireguard-go over gVisor's netstack, so it needs no kernel
// module, no TUN device and no root (DESIGN §7).
//
// Everything the appliance sends to the cloud (the control channel, the
// AudioHook relay) dials through [Tunnel.DialContext]; the lab's cloud
// simulator serves through [Tunnel.Listen]. Connections made this way never
// touch the host's network stack: only the encrypted UDP does.
//
// Lifecycle: [New] validates the [Config] and allocates, [Tunnel.Start]
// binds the UDP socket and brings the device up, [Tunnel.Close] tears it all
// down (also after a failed or interrupted Start) and may be called any
// number of times.
//
//	t, err := tunnel.New(cfg, log, tunnel.NewMetrics(reg))
//	if err != nil { ... }             // bad config: before any socket
//	defer t.Close()
//	if err := t.Start(ctx); err != nil { ... }
//	c, err := t.DialContext(ctx, "tcp", "10.99.0.1:7000")
//	h := t.Health()                   // /readyz, admin API, status
//
// While it runs, the tunnel polls the device every Config.CheckInterval: it
// updates the metrics, warns when no handshake completes (with what to
// check), and re-resolves the endpoint's name when the last handshake is
// older than Config.ReresolveAfter (135 s: WireGuard's rekey time plus
// slack, as wg-quick's reresolve-dns does) and so is the last lookup: a
// dead address is asked about once per ReresolveAfter, not on every check.
// A failed lookup is retried on every check. When the address changes, the
// old session is dropped and a handshake with the new address starts at
// once.
//
// Handshake failures are not in wireguard-go's UAPI: the tunnel counts
// them from its log (see handshakeEvents), as initiations the peer did not
// answer within REKEY_TIMEOUT (5 s). Health and the metrics show them.
//
// Keys use the format of wg(8): standard base64 of 32 bytes. [GenerateKey]
// and [PublicKey] are byte-compatible with `wg genkey` and `wg pubkey`.
package tunnel
