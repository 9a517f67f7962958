package audiohook

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func goldenSecretBytes(t testing.TB) []byte {
	t.Helper()
	b, err := DecodeSecret(goldenSecret)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestVerifier(t testing.TB, clk Clock, creds StaticCredentials, mutate ...func(*VerifierConfig)) *Verifier {
	t.Helper()
	cfg := VerifierConfig{Credentials: creds, Clock: clk, MinFailureDelay: -1}
	for _, f := range mutate {
		f(&cfg)
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGoldenVectorVerifies(t *testing.T) {
	clk := newFakeClock(goldenNow())
	v := newTestVerifier(t, clk, StaticCredentials{goldenAPIKey: goldenSecretBytes(t)})
	key, err := v.Verify(goldenRequest())
	if err != nil {
		t.Fatalf("golden vector: %v", err)
	}
	if key != goldenAPIKey {
		t.Fatalf("api key %q", key)
	}
	// The same request again is a replay.
	if _, err := v.Verify(goldenRequest()); !errors.Is(err, ErrNonceReused) {
		t.Fatalf("replay: %v, want ErrNonceReused", err)
	}
	// Once the signature's lifetime is over the nonce is forgotten, and the
	// request is refused as expired instead.
	clk.Set(goldenNow().Add(DefaultMaxSignatureAge + DefaultClockSkew + time.Second))
	if _, err := v.Verify(goldenRequest()); !errors.Is(err, ErrExpired) {
		t.Fatalf("late: %v, want ErrExpired", err)
	}
	if n := v.replay.len(clk.Now()); n != 0 {
		t.Fatalf("replay cache holds %d expired nonces", n)
	}
}

func TestGoldenVectorSignReproduces(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "wss://"+goldenHost+goldenTarget, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set(HeaderOrganizationID, goldenOrg)
	r.Header.Set(HeaderSessionID, goldenSession)
	r.Header.Set(HeaderCorrelationID, goldenCorrelation)
	r.Header.Set(HeaderAPIKey, goldenAPIKey)
	if err := Sign(r, goldenAPIKey, goldenSecretBytes(t), goldenNonce, time.Unix(goldenCreated, 0), time.Unix(goldenExpires, 0)); err != nil {
		t.Fatal(err)
	}
	if got := r.Header.Get(HeaderSignatureInput); got != goldenInput {
		t.Errorf("Signature-Input\n got %s\nwant %s", got, goldenInput)
	}
	if got := r.Header.Get(HeaderSignature); got != goldenSignature {
		t.Errorf("Signature\n got %s\nwant %s", got, goldenSignature)
	}
}
