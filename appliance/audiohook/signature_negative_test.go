package audiohook

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// sigSpec describes a signature a test client makes, including wrong ones.
type sigSpec struct {
	components []string
	keyID      string
	nonce      string
	alg        string
	created    time.Time
	expires    time.Time
	secret     []byte
}

// signTest signs r as sigSpec says, with the same base construction a
// verifier uses, so that only the property under test is wrong.
func signTest(t testing.TB, r *http.Request, s sigSpec) {
	t.Helper()
	items := make([]sfItem, 0, len(s.components))
	for _, c := range s.components {
		items = append(items, sfItem{bare: sfBare{kind: sfString, s: c}})
	}
	params := []sfParam{{key: "keyid", val: sfBare{kind: sfString, s: s.keyID}}}
	if s.nonce != "" {
		params = append(params, sfParam{key: "nonce", val: sfBare{kind: sfString, s: s.nonce}})
	}
	params = append(params, sfParam{key: "alg", val: sfBare{kind: sfString, s: s.alg}},
		sfParam{key: "created", val: sfBare{kind: sfInteger, i: s.created.Unix()}})
	if !s.expires.IsZero() {
		params = append(params, sfParam{key: "expires", val: sfBare{kind: sfInteger, i: s.expires.Unix()}})
	}
	base, err := signatureBase(items, params, func(name string) (string, bool) {
		return componentValue(r, name, normalizeAuthority(r.Host), r.RequestURI)
	})
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(base))
	r.Header.Set(HeaderSignatureInput, serializeDictionary([]sfMember{{key: "sig1", inner: true, list: items, params: params}}))
	r.Header.Set(HeaderSignature, serializeDictionary([]sfMember{{key: "sig1", item: sfItem{bare: sfBare{kind: sfBytes, b: mac.Sum(nil)}}}}))
}

// unsignedRequest is an upgrade request with the AudioHook headers only.
func unsignedRequest(apiKey string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, goldenTarget, nil)
	r.Host = goldenHost
	r.Header.Set(HeaderOrganizationID, goldenOrg)
	r.Header.Set(HeaderSessionID, goldenSession)
	r.Header.Set(HeaderCorrelationID, goldenCorrelation)
	r.Header.Set(HeaderAPIKey, apiKey)
	return r
}

func TestSignatureNegativeSuite(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	secret := []byte("the client secret of the test key")
	good := func() sigSpec {
		return sigSpec{components: RequiredComponents(), keyID: goldenAPIKey, nonce: NewNonce(),
			alg: SignatureAlgorithm, created: now.Add(-time.Second), expires: now.Add(30 * time.Second), secret: secret}
	}
	cases := []struct {
		name    string
		apiKey  string
		spec    func() sigSpec // nil: unsigned
		tamper  func(*http.Request)
		creds   StaticCredentials
		want    error
		reason  string
		replays bool // verify twice, the second must fail
	}{
		{name: "wrong secret", spec: func() sigSpec { s := good(); s.secret = []byte("not the secret"); return s },
			want: ErrSignatureMismatch, reason: "mismatch"},
		{name: "tampered covered header", spec: good,
			tamper: func(r *http.Request) { r.Header.Set(HeaderCorrelationID, NewUUID()) },
			want:   ErrSignatureMismatch, reason: "mismatch"},
		{name: "tampered authority", spec: good, tamper: func(r *http.Request) { r.Host = "evil.example.com" },
			want: ErrSignatureMismatch, reason: "mismatch"},
		{name: "missing component", spec: func() sigSpec { s := good(); s.components = s.components[:5]; return s },
			want: ErrMissingComponent, reason: "missing_component"},
		{name: "covered header absent", spec: good, tamper: func(r *http.Request) { r.Header.Del(HeaderCorrelationID) },
			want: ErrMissingComponent, reason: "missing_component"},
		{name: "keyid is not X-API-KEY", spec: func() sigSpec { s := good(); s.keyID = "another-key"; return s },
			want: ErrKeyIDMismatch, reason: "keyid_mismatch"},
		{name: "expired by age", spec: func() sigSpec { s := good(); s.created = now.Add(-14 * time.Second); return s },
			want: ErrExpired, reason: "expired"},
		{name: "expired by expires", spec: func() sigSpec {
			s := good()
			s.expires = now.Add(-4 * time.Second)
			s.created = now.Add(-5 * time.Second)
			return s
		},
			want: ErrExpired, reason: "expired"},
		{name: "created in the future", spec: func() sigSpec { s := good(); s.created = now.Add(4 * time.Second); return s },
			want: ErrCreatedInFuture, reason: "created_in_future"},
		{name: "reused nonce", spec: good, replays: true, want: ErrNonceReused, reason: "nonce_reused"},
		{name: "short nonce", spec: func() sigSpec { s := good(); s.nonce = strings.Repeat("n", 21); return s },
			want: ErrNonceTooShort, reason: "nonce_too_short"},
		{name: "no nonce", spec: func() sigSpec { s := good(); s.nonce = ""; return s },
			want: ErrNonceTooShort, reason: "nonce_too_short"},
		{name: "unsigned with a secret configured", want: ErrUnsigned, reason: "unsigned"},
		{name: "unknown key, signed", apiKey: "unknown-key", spec: func() sigSpec { s := good(); s.keyID = "unknown-key"; return s },
			want: ErrUnknownKey, reason: "unknown_key"},
		{name: "unknown key, unsigned", apiKey: "unknown-key", want: ErrUnknownKey, reason: "unknown_key"},
		{name: "other algorithm", spec: func() sigSpec { s := good(); s.alg = "hmac-sha512"; return s },
			want: ErrAlgorithm, reason: "algorithm"},
		{name: "signature without input", spec: good, tamper: func(r *http.Request) { r.Header.Del(HeaderSignatureInput) },
			want: ErrSignatureSyntax, reason: "malformed"},
		{name: "missing X-API-KEY", spec: good, tamper: func(r *http.Request) { r.Header.Del(HeaderAPIKey) },
			want: ErrMissingAPIKey, reason: "missing_api_key"},
		{name: "unsigned, key without secret", creds: StaticCredentials{goldenAPIKey: nil}},
		{name: "valid", spec: good},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			creds := tc.creds
			if creds == nil {
				creds = StaticCredentials{goldenAPIKey: secret}
			}
			m := NewMetrics(nil)
			v := newTestVerifier(t, newFakeClock(now), creds, func(c *VerifierConfig) { c.Metrics = m })
			apiKey := tc.apiKey
			if apiKey == "" {
				apiKey = goldenAPIKey
			}
			r := unsignedRequest(apiKey)
			if tc.spec != nil {
				signTest(t, r, tc.spec())
			}
			if tc.tamper != nil {
				tc.tamper(r)
			}
			_, err := v.Verify(r)
			if tc.replays {
				if err != nil {
					t.Fatalf("first use: %v", err)
				}
				_, err = v.Verify(r)
			}
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if tc.want == nil {
				return
			}
			if !errors.Is(err, ErrSignature) {
				t.Errorf("%v does not wrap ErrSignature", err)
			}
			if got := SignatureFailureReason(err); got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
			if n := metricValue(m.sigFailures.WithLabelValues(tc.reason)); n != 1 {
				t.Errorf("metric %s = %v, want 1", tc.reason, n)
			}
		})
	}
}

func TestVerifierPublicAuthority(t *testing.T) {
	clk := newFakeClock(goldenNow())
	creds := StaticCredentials{goldenAPIKey: goldenSecretBytes(t)}
	// Behind a TLS terminator the Host is the backend's, not what Genesys signed.
	proxied := func() *http.Request { r := goldenRequest(); r.Host = "10.1.2.3:8443"; return r }
	if _, err := newTestVerifier(t, clk, creds).Verify(proxied()); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("without public_authority: %v, want ErrSignatureMismatch", err)
	}
	v := newTestVerifier(t, clk, creds, func(c *VerifierConfig) { c.PublicAuthority = "AudioHook.Example.com:443" })
	if _, err := v.Verify(proxied()); err != nil {
		t.Fatalf("with public_authority: %v", err)
	}
}

func TestVerifierFailureDelay(t *testing.T) {
	const delay = 60 * time.Millisecond
	v, err := NewVerifier(VerifierConfig{Credentials: StaticCredentials{goldenAPIKey: []byte("s")}, MinFailureDelay: delay})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := v.Verify(unsignedRequest(goldenAPIKey)); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("Verify = %v", err)
	}
	if el := time.Since(start); el < delay {
		t.Fatalf("failure answered after %v, want at least %v", el, delay)
	}
	ok, err := NewVerifier(VerifierConfig{Credentials: StaticCredentials{goldenAPIKey: nil}, MinFailureDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ok.Verify(unsignedRequest(goldenAPIKey)); err != nil { // success is not delayed
		t.Fatal(err)
	}
}
