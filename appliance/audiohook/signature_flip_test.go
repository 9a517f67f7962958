package audiohook

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

// goldenParts are the bytes a signed upgrade depends on: every covered
// component as the request carries it, and the two signature headers.
type goldenParts struct {
	target, host, org, session, correlation, apiKey, input, signature string
}

func defaultGoldenParts() goldenParts {
	return goldenParts{goldenTarget, goldenHost, goldenOrg, goldenSession, goldenCorrelation, goldenAPIKey, goldenInput, goldenSignature}
}

// request builds the upgrade request without any validation of the bytes,
// as a hostile client could send them.
func (p goldenParts) request() *http.Request {
	return &http.Request{
		Method:     http.MethodGet,
		URL:        &url.URL{Path: "/"},
		RequestURI: p.target,
		Host:       p.host,
		Header: http.Header{
			HeaderOrganizationID: {p.org},
			HeaderSessionID:      {p.session},
			HeaderCorrelationID:  {p.correlation},
			HeaderAPIKey:         {p.apiKey},
			HeaderSignatureInput: {p.input},
			HeaderSignature:      {p.signature},
		},
	}
}

func (p *goldenParts) fields() []struct {
	name string
	ptr  *string
} {
	return []struct {
		name string
		ptr  *string
	}{
		{"@request-target", &p.target}, {"@authority (Host)", &p.host},
		{"audiohook-organization-id", &p.org}, {"audiohook-session-id", &p.session},
		{"audiohook-correlation-id", &p.correlation}, {"x-api-key", &p.apiKey},
		{"Signature-Input", &p.input}, {"Signature", &p.signature},
	}
}

// TestGoldenVectorFailsOnAnyByteChange replaces every byte of every covered
// component and of both signature headers with each of the 255 other byte
// values, and requires each variant to be refused for a reason other than
// the replay cache (which would hide a variant that verified). The only
// variants skipped are upper-case letters of the Host: RFC 9421 §2.2.3
// normalizes the authority to lower case, so they are the same component.
func TestGoldenVectorFailsOnAnyByteChange(t *testing.T) {
	clk := newFakeClock(goldenNow())
	v := newTestVerifier(t, clk, StaticCredentials{goldenAPIKey: goldenSecretBytes(t)})
	if _, err := v.Verify(defaultGoldenParts().request()); err != nil {
		t.Fatalf("unmodified vector: %v", err)
	}
	alternatives := 255
	if testing.Short() {
		alternatives = 8
	}
	variants := 0
	base := defaultGoldenParts()
	for fi, f := range base.fields() {
		orig := *f.ptr
		for i := 0; i < len(orig); i++ {
			for k := 1; k <= alternatives; k++ {
				b := orig[i] ^ byte(k)
				if fi == 1 && b != orig[i] && (b|0x20) == (orig[i]|0x20) && (b|0x20) >= 'a' && (b|0x20) <= 'z' {
					continue // same host after lower-casing
				}
				p := defaultGoldenParts()
				mod := []byte(orig)
				mod[i] = b
				*p.fields()[fi].ptr = string(mod)
				_, err := v.Verify(p.request())
				variants++
				if err == nil || errors.Is(err, ErrNonceReused) {
					t.Fatalf("%s byte %d %q→%q: not refused (%v)", f.name, i, orig[i], b, err)
				}
				if !errors.Is(err, ErrSignature) {
					t.Fatalf("%s byte %d: %v does not wrap ErrSignature", f.name, i, err)
				}
			}
		}
	}
	t.Logf("%d single-byte variants refused", variants)
}
