package media

import (
	"bytes"
	"fmt"

	"github.com/pion/srtp/v3"
	"github.com/pion/transport/v5/replaydetector"
)

// SRTP replay protection. The window is pion's session default; 64 packets
// is 1.3 s of 20 ms audio, far beyond what the jitter buffer would still
// play, so a packet outside it is useless anyway.
const (
	srtpReplayWindow = 64
	srtpMaxIndex     = 1<<48 - 1 // ROC (32 bits) and sequence number (16)
)

// SRTPParams is the SDES keying for what the peer sends (its a=crypto):
// the suite as a pion protection profile and the master key and salt, the
// two parts of the base64 inline key. AES_CM_128_HMAC_SHA1_80/_32 and
// AEAD_AES_128_GCM/AEAD_AES_256_GCM are supported; the zero MKI
// configuration is assumed.
type SRTPParams struct {
	// Profile is the crypto suite.
	Profile srtp.ProtectionProfile
	// Key is the master key (16 or 32 bytes, per Profile.KeyLen).
	Key []byte
	// Salt is the master salt (14 or 12 bytes, per Profile.SaltLen).
	Salt []byte
}

// equal reports whether two keyings are the same, so an unchanged
// re-INVITE keeps the SRTP context and with it the rollover counter.
func (p *SRTPParams) equal(o *SRTPParams) bool {
	if p == nil || o == nil {
		return p == o
	}
	return p.Profile == o.Profile && bytes.Equal(p.Key, o.Key) && bytes.Equal(p.Salt, o.Salt)
}

func (p *SRTPParams) clone() *SRTPParams {
	if p == nil {
		return nil
	}
	return &SRTPParams{Profile: p.Profile, Key: bytes.Clone(p.Key), Salt: bytes.Clone(p.Salt)}
}

func (p *SRTPParams) validate() error {
	switch p.Profile {
	case srtp.ProtectionProfileAes128CmHmacSha1_80, srtp.ProtectionProfileAes128CmHmacSha1_32,
		srtp.ProtectionProfileAeadAes128Gcm, srtp.ProtectionProfileAeadAes256Gcm:
	default:
		return fmt.Errorf("%w: unsupported SRTP profile %v", ErrParams, p.Profile)
	}
	kl, _ := p.Profile.KeyLen()
	sl, _ := p.Profile.SaltLen()
	if len(p.Key) != kl || len(p.Salt) != sl {
		return fmt.Errorf("%w: SRTP %v wants a %d-byte key and %d-byte salt, got %d and %d",
			ErrParams, p.Profile, kl, sl, len(p.Key), len(p.Salt))
	}
	return nil
}

// replayWatch records that the replay detector rejected the packet being
// decrypted. pion reports a replay with an unexported error type; watching
// the detector is the exact way to tell it from an authentication failure.
type replayWatch struct {
	rejected bool
}

// watchedDetector wraps pion's sliding window. It implements CheckAccepter,
// pion's allocation-free replay API, as well as the ReplayDetector it
// must be handed as.
type watchedDetector struct {
	inner replaydetector.CheckAccepter
	watch *replayWatch
}

// Check implements replaydetector.ReplayDetector; pion prefers CheckSeq.
func (d *watchedDetector) Check(seq uint64) (func() bool, bool) {
	tok := d.CheckSeq(seq)
	return func() bool { return d.inner.Accept(tok) }, tok.Passed()
}

// CheckSeq implements replaydetector.CheckAccepter.
func (d *watchedDetector) CheckSeq(seq uint64) replaydetector.Token {
	tok := d.inner.CheckSeq(seq)
	if !tok.Passed() {
		d.watch.rejected = true
	}
	return tok
}

// Accept implements replaydetector.CheckAccepter.
func (d *watchedDetector) Accept(tok replaydetector.Token) bool { return d.inner.Accept(tok) }

// newSRTPContext builds a decryption context whose replay rejections are
// reported through w.
func newSRTPContext(p *SRTPParams, w *replayWatch) (*srtp.Context, error) {
	factory := func() replaydetector.ReplayDetector {
		// replaydetector.New's detector implements CheckAccepter (its
		// documentation promises it); the assertion cannot fail.
		inner, _ := replaydetector.New(srtpReplayWindow, srtpMaxIndex).(replaydetector.CheckAccepter)
		return &watchedDetector{inner: inner, watch: w}
	}
	ctx, err := srtp.CreateContext(p.Key, p.Salt, p.Profile, srtp.SRTPReplayDetectorFactory(factory))
	if err != nil {
		return nil, fmt.Errorf("%w: srtp: %w", ErrParams, err)
	}
	return ctx, nil
}
