package main

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// WireGuard keys are X25519 keys written as standard base64 of 32 bytes.
// wg genkey stores the private key already clamped (RFC 7748 §5), so genkey
// clamps too and its output is byte-for-byte what wg would accept and
// print. pubkey does not insist on clamping: X25519 clamps anyway, as wg
// pubkey does.

const keyLen = 32

// newPrivateKey returns a clamped X25519 private key read from rnd.
func newPrivateKey(rnd io.Reader) ([keyLen]byte, error) {
	var k [keyLen]byte
	if _, err := io.ReadFull(rnd, k[:]); err != nil {
		return k, err
	}
	k[0] &= 248
	k[31] = k[31]&127 | 64
	return k, nil
}

// publicKey returns the X25519 public key of a private key.
func publicKey(priv [keyLen]byte) ([keyLen]byte, error) {
	var pub [keyLen]byte
	k, err := ecdh.X25519().NewPrivateKey(priv[:])
	if err != nil {
		return pub, err
	}
	copy(pub[:], k.PublicKey().Bytes())
	return pub, nil
}

// parseKey decodes one base64 key, ignoring surrounding white space (the
// newline of a key file or of echo).
func parseKey(text []byte) ([keyLen]byte, error) {
	var k [keyLen]byte
	// DecodeString rather than Decode into k: Decode writes past a
	// destination too small for the input (44 characters can hold 33 bytes).
	b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil || len(b) != keyLen {
		return k, errBadKey
	}
	copy(k[:], b)
	return k, nil
}

var errBadKey = errors.New("want a WireGuard private key: base64 of 32 bytes, as genkey prints it")

func encodeKey(k [keyLen]byte) string { return base64.StdEncoding.EncodeToString(k[:]) }

// cmdGenkey is "cogito-edge genkey".
func cmdGenkey(_ context.Context, args []string, s streams) int {
	fs := newFlags("genkey", "", `
Prints a new WireGuard private key (base64), as "wg genkey" does. Keep it in
the file cloud.tunnel.private_key_file names, mode 600:

  umask 077; cogito-edge genkey > /etc/cogito-edge/wg.key`)
	if code, done := parseFlags(fs, args, s); done {
		return code
	}
	k, err := newPrivateKey(rand.Reader)
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge genkey: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(s.out, encodeKey(k))
	return exitOK
}

// cmdPubkey is "cogito-edge pubkey".
func cmdPubkey(_ context.Context, args []string, s streams) int {
	fs := newFlags("pubkey", "< private.key", `
Reads a WireGuard private key on stdin and prints its public key, as
"wg pubkey" does; give the public key to the cloud side of the tunnel:

  cogito-edge pubkey < /etc/cogito-edge/wg.key`)
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
	priv, err := parseKey(text)
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge pubkey: %v\n", err)
		return exitFailure
	}
	pub, err := publicKey(priv)
	if err != nil {
		fmt.Fprintf(s.err, "cogito-edge pubkey: %v\n", err)
		return exitFailure
	}
	fmt.Fprintln(s.out, encodeKey(pub))
	return exitOK
}
