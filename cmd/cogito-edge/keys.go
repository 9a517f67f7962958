package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cogito/cogito-edge/tunnel"
)

// Keys are tunnel's: X25519 in the wg base64 format, clamped on generation,
// byte-for-byte what wg genkey and wg pubkey print.

// cmdGenkey is "cogito-edge genkey".
func cmdGenkey(_ context.Context, args []string, s streams) int {
	fs := newFlags("genkey", "", `
Prints a new WireGuard private key (base64), as "wg genkey" does. Keep it in
the file cloud.tunnel.private_key_file names, mode 600:

  umask 077; cogito-edge genkey > /etc/cogito-edge/wg.key

Exit codes: 0 printed; 1 no randomness from the system; 2 usage error.`)
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	k, err := tunnel.GenerateKey()
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge genkey: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(s.out, k.String())
	return exitOK
}

// cmdPubkey is "cogito-edge pubkey".
func cmdPubkey(_ context.Context, args []string, s streams) int {
	fs := newFlags("pubkey", "< private.key", `
Reads a WireGuard private key on stdin and prints its public key, as
"wg pubkey" does; give the public key to the cloud side of the tunnel:

  cogito-edge pubkey < /etc/cogito-edge/wg.key

Exit codes: 0 printed; 1 stdin cannot be read; 2 stdin is not a WireGuard
private key, or a usage error.`)
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	// A key is 44 characters; reading a little more catches a wrong file
	// without reading a big one.
	text, err := io.ReadAll(io.LimitReader(s.in, 1024))
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge pubkey: read stdin: %v\n", err)
		return exitFailure
	}
	priv, err := tunnel.ParseKey(string(text))
	if err != nil {
		// The input is wrong: fix it, do not retry.
		fmt.Fprintf(s.err, "cogito-edge pubkey: %v\n", err)
		return exitUsage
	}
	fmt.Fprintln(s.out, tunnel.PublicKey(priv).String())
	return exitOK
}
