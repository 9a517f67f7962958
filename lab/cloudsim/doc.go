// Package cloudsim plays the Cogito cloud for tests and the lab
// (`cogito-lab cloud`, DESIGN §11): the WireGuard peer the appliance's
// tunnel connects to, listening on a loopback UDP port, and inside that
// tunnel the control-channel server and the AudioHook ingest the relay
// streams recordings to (lab/ahlab.Ingest, writing stereo WAV + JSON;
// on when Config.Ingest.Dir is set). CTI events are injected
// through a loopback HTTP API (or Sim.Inject in tests) and routed as the
// cloud routes them (DESIGN §12): to the appliances that announced a
// session sharing one of the event's keys, else to every connected
// appliance, whose early-event cache keeps it until the call comes.
//
// With Config.Genesys it also plays the Cogito cloud's Genesys Cloud
// integration: the CTI tracker of appliance/cti/genesys logs in with an
// OAuth client, follows every agent's conversations (against
// lab/genesyssim, `cogito-lab genesys`, or a real organization), and each
// event it emits is forwarded over the control channel, routed exactly as
// an injected one, in order: the next waits for the appliances' acks.
//
// It reuses the production packages: package tunnel for WireGuard, the
// wire messages of appliance/cti/control and, through lab/ahlab, the
// AudioHook server of appliance/audiohook, so it speaks exactly what the
// appliance speaks.
//
//	sim, err := cloudsim.New(cloudsim.Config{PrivateKey: k, PeerPublicKey: edgePub,
//		ListenUDP: netip.MustParseAddrPort("127.0.0.1:51820"), API: "127.0.0.1:7080",
//		Ingest: cloudsim.IngestConfig{Dir: "ingest", APIKey: "K", Secret: secret}}, log, nil)
//	if err := sim.Start(ctx); err != nil { ... }
//	defer sim.Close()
//	fmt.Print(sim.Snippet())          // what the appliance's edge.yaml needs
//	d, err := sim.Inject(ctx, ev)     // which appliance got it, and what it did
//	rec, err := sim.WaitRecording(ctx, conversationID) // the ingested WAV + JSON
//	at, ok := sim.FirstAudio(conversationID)            // latency measurements
//	sim.KillRelay(conversationID)     // cut the relay's connection (fault injection)
//	err = sim.WaitGenesys(ctx)        // the tracker follows every agent (Config.Genesys)
//	fs := sim.Forwards()              // the tracker's events and their deliveries
//
// The tunnel supports one peer: one Sim serves one appliance over
// WireGuard. Control (the control-channel server alone, an http.Handler)
// serves any number of appliances on any listener; tests use it on plain
// loopback.
//
// Sim.Serve is the seam for cloud services inside the tunnel: it serves
// an http.Handler on another port of the cloud's tunnel address until
// Close. The ingest is served through it, on port 7001 at /audiohook by
// default (DESIGN §3: relay.url ws://10.99.0.1:7001/audiohook), with its
// own API key and client secret.
//
// HTTP API (loopback):
//
//	POST /v1/cti          a CTI event in the JSON of DESIGN §3 → 200 Delivery
//	                      (400 invalid event, 503 no appliance connected)
//	GET  /v1/appliances   the connected appliances and their sessions
//	GET  /v1/tunnel       the WireGuard tunnel's health
//	GET  /v1/ingest       the ingest's sessions and recordings (404 without one)
//	GET  /v1/genesys      the tracker's status and the events it forwarded (404 without it)
package cloudsim
