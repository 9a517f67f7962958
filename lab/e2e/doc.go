// Package e2e holds the end-to-end tests of cogito-edge: the appliance runs
// in-process on loopback with its real sockets, and real peers drive it —
// SIPp playing an Oracle SBC, the lab's Go SIPREC client with SRTP, and the
// admin API for CTI events. Recordings are checked by tone per channel.
package e2e
