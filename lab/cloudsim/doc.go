// Package cloudsim plays the Cogito cloud for tests and the lab
// (`cogito-lab cloud`, DESIGN §11): the WireGuard peer the appliance's
// tunnel connects to, listening on a loopback UDP port, and the
// control-channel server inside that tunnel. CTI events are injected
// through a loopback HTTP API (or Sim.Inject in tests) and routed as the
// cloud routes them (DESIGN §12): to the appliances that announced a
// session sharing one of the event's keys, else to every connected
// appliance, whose early-event cache keeps it until the call comes.
//
// It reuses the production packages: package tunnel for WireGuard and the
// wire messages of appliance/cti/control, so it speaks exactly what the
// appliance speaks.
//
//	sim, err := cloudsim.New(cloudsim.Config{PrivateKey: k, PeerPublicKey: edgePub,
//		ListenUDP: netip.MustParseAddrPort("127.0.0.1:51820"), API: "127.0.0.1:7080"}, log)
//	if err := sim.Start(ctx); err != nil { ... }
//	defer sim.Close()
//	fmt.Print(sim.Snippet())          // what the appliance's edge.yaml needs
//	d, err := sim.Inject(ctx, ev)     // which appliance got it, and what it did
//
// The tunnel supports one peer: one Sim serves one appliance over
// WireGuard. Control (the control-channel server alone, an http.Handler)
// serves any number of appliances on any listener; tests use it on plain
// loopback.
//
// Sim.Serve is the seam for more cloud services inside the tunnel (the
// AudioHook ingest): it serves an http.Handler on another port of the
// cloud's tunnel address until Close.
//
// HTTP API (loopback):
//
//	POST /v1/cti          a CTI event in the JSON of DESIGN §3 → 200 Delivery
//	                      (400 invalid event, 503 no appliance connected)
//	GET  /v1/appliances   the connected appliances and their sessions
//	GET  /v1/tunnel       the WireGuard tunnel's health
package cloudsim
