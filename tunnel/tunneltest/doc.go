// Package tunneltest provides a standard WireGuard peer for tests of code
// that runs over package tunnel: Debian's wireguard-go on a real TUN
// device in a network namespace of its own, configured with wg(8), and
// reachable from the test over a veth pair. The interop test of package
// tunnel uses it; so can the control channel's and the relay's.
//
// It needs root and /dev/net/tun (tests skip without them) and the
// wireguard-go, wireguard-tools and iproute2 packages (tests fail without
// them: `make deps` installs them).
package tunneltest
