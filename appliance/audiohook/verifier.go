package audiohook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Verifier policy defaults.
const (
	DefaultMaxSignatureAge = 10 * time.Second
	DefaultClockSkew       = 3 * time.Second
	DefaultMinNonceLength  = 22
	DefaultMinFailureDelay = 500 * time.Millisecond
	DefaultReplayCacheSize = 100_000
)

// VerifierConfig configures a Verifier. Zero fields take the defaults.
type VerifierConfig struct {
	// Credentials resolve X-API-KEY to the client secret. Required.
	Credentials SecretLookup
	// PublicAuthority is the host[:port] clients connect to and sign as
	// "@authority" (audiohook.public_authority). Empty: the request's Host,
	// which a TLS terminator or proxy in front may have rewritten.
	PublicAuthority string
	// MaxAge bounds now - created; ClockSkew is allowed either way.
	MaxAge    time.Duration
	ClockSkew time.Duration
	// MinNonceLength is the shortest nonce accepted.
	MinNonceLength int
	// MinFailureDelay is the least time Verify takes to return a failure,
	// so timing says nothing about why. Negative: no delay (tests only).
	MinFailureDelay time.Duration
	// ReplayCacheSize bounds the nonces remembered.
	ReplayCacheSize int
	Clock           Clock
	Metrics         *Metrics
}

// Verifier checks the HTTP Message Signature of AudioHook upgrade requests
// (RFC 9421 as Genesys profiles it) with this policy: the signature covers
// RequiredComponents; alg is hmac-sha256 keyed with the decoded client
// secret; keyid equals X-API-KEY; the nonce has at least 22 characters and
// is never accepted twice within the signature's lifetime; created is at
// most MaxAge old and at most ClockSkew ahead, expires (if any) not past;
// "@authority" is PublicAuthority when configured; the HMAC comparison is
// constant-time and an unknown key is checked against a random key; an
// unsigned request is refused when the key has a secret. Safe for
// concurrent use.
type Verifier struct {
	cfg    VerifierConfig
	clock  Clock
	m      *Metrics
	replay *replayCache
}

// NewVerifier validates cfg and returns a Verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: no credentials for the verifier", ErrCredentials)
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxSignatureAge
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.MinNonceLength <= 0 {
		cfg.MinNonceLength = DefaultMinNonceLength
	}
	if cfg.MinFailureDelay == 0 {
		cfg.MinFailureDelay = DefaultMinFailureDelay
	}
	if cfg.ReplayCacheSize <= 0 {
		cfg.ReplayCacheSize = DefaultReplayCacheSize
	}
	cfg.PublicAuthority = normalizeAuthority(cfg.PublicAuthority)
	return &Verifier{cfg: cfg, clock: clockOr(cfg.Clock), m: metricsOr(cfg.Metrics), replay: newReplayCache(cfg.ReplayCacheSize)}, nil
}

// Verify checks r and returns its API key. A failure wraps ErrSignature
// and one reason sentinel (ErrExpired, ErrNonceReused, ...), is counted in
// the signature-failure metric, and returns no sooner than MinFailureDelay
// after the call (or when r's context ends).
func (v *Verifier) Verify(r *http.Request) (string, error) {
	start := v.clock.Now()
	apiKey, err := v.check(r, start)
	if err == nil {
		return apiKey, nil
	}
	v.m.signatureFailure(err)
	if d := v.cfg.MinFailureDelay - v.clock.Now().Sub(start); d > 0 {
		t := v.clock.NewTimer(d)
		select {
		case <-t.C():
		case <-r.Context().Done():
			t.Stop()
		}
	}
	return "", err
}

func (v *Verifier) check(r *http.Request, now time.Time) (string, error) {
	apiKey := canonicalFieldValue(r.Header.Get(HeaderAPIKey))
	if apiKey == "" {
		return "", ErrMissingAPIKey
	}
	secret, known := v.cfg.Credentials.Lookup(apiKey)
	input := strings.Join(r.Header.Values(HeaderSignatureInput), ", ")
	sigHdr := strings.Join(r.Header.Values(HeaderSignature), ", ")
	if input == "" && sigHdr == "" {
		switch {
		case !known:
			return "", ErrUnknownKey
		case len(secret) > 0:
			return "", ErrUnsigned
		}
		return apiKey, nil
	}
	sig, err := parseSignature(input, sigHdr)
	if err != nil {
		return "", err
	}
	if err := v.policy(sig, apiKey, now); err != nil {
		return "", err
	}
	authority := v.cfg.PublicAuthority
	if authority == "" {
		authority = normalizeAuthority(r.Host)
	}
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	base, err := signatureBase(sig.components, sig.params, func(name string) (string, bool) {
		return componentValue(r, name, authority, target)
	})
	if err != nil {
		return "", err
	}
	key := secret
	if !known {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(base))
	match := hmac.Equal(mac.Sum(nil), sig.mac)
	switch {
	case !known:
		return "", ErrUnknownKey
	case !match:
		return "", ErrSignatureMismatch
	}
	expiry := sig.created.Add(v.cfg.MaxAge + v.cfg.ClockSkew)
	if sig.hasExpires && sig.expires.Add(v.cfg.ClockSkew).Before(expiry) {
		expiry = sig.expires.Add(v.cfg.ClockSkew)
	}
	if err := v.replay.add(apiKey+"\x00"+sig.nonce, expiry, now); err != nil {
		return "", err
	}
	return apiKey, nil
}

// policy applies the checks that need no secret.
func (v *Verifier) policy(sig *parsedSignature, apiKey string, now time.Time) error {
	for _, c := range RequiredComponents() {
		if !slices.ContainsFunc(sig.components, func(it sfItem) bool { return it.bare.s == c }) {
			return fmt.Errorf("%w: %s", ErrMissingComponent, c)
		}
	}
	switch {
	case sig.keyID != apiKey:
		return ErrKeyIDMismatch
	case sig.alg != "" && sig.alg != SignatureAlgorithm:
		return ErrAlgorithm
	case len(sig.nonce) < v.cfg.MinNonceLength:
		return ErrNonceTooShort
	case !sig.hasCreated:
		return fmt.Errorf("%w: no created", ErrSignatureSyntax)
	case sig.created.After(now.Add(v.cfg.ClockSkew)):
		return ErrCreatedInFuture
	case now.After(sig.created.Add(v.cfg.MaxAge + v.cfg.ClockSkew)):
		return ErrExpired
	case sig.hasExpires && sig.expires.Before(sig.created):
		return fmt.Errorf("%w: expires before created", ErrSignatureSyntax)
	case sig.hasExpires && now.After(sig.expires.Add(v.cfg.ClockSkew)):
		return ErrExpired
	}
	return nil
}

// IsSignatureFailure reports whether err is a signature verification failure.
func IsSignatureFailure(err error) bool { return errors.Is(err, ErrSignature) }
