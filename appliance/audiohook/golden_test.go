package audiohook

import (
	"net/http"
	"net/http/httptest"
	"time"
)

// The AudioHook documentation's signature example (also in Genesys's
// reference implementation, signature-verifier.test.ts "Example 1").
const (
	goldenHost        = "audiohook.example.com"
	goldenTarget      = "/api/v1/voicebiometrics/ws"
	goldenOrg         = "d7934305-0972-4844-938e-9060eef73d05"
	goldenSession     = "30b0e395-84d3-4570-ac13-9a62d8f514c0"
	goldenCorrelation = "e160e428-53e2-487c-977d-96989bf5c99d"
	goldenAPIKey      = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"
	goldenSecret      = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="
	goldenInput       = `sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430`
	goldenSignature   = `sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:`
	goldenNonce       = "VGhpc0lzQVVuaXF1ZU5vbmNl"
	goldenCreated     = 1641013200
	goldenExpires     = 3282026430
)

// goldenRequest builds the example upgrade request as a server receives it.
func goldenRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, goldenTarget, nil)
	r.Host = goldenHost
	r.Header.Set(HeaderOrganizationID, goldenOrg)
	r.Header.Set(HeaderSessionID, goldenSession)
	r.Header.Set(HeaderCorrelationID, goldenCorrelation)
	r.Header.Set(HeaderAPIKey, goldenAPIKey)
	r.Header.Set(HeaderSignatureInput, goldenInput)
	r.Header.Set(HeaderSignature, goldenSignature)
	return r
}

// goldenNow is a moment at which the example's created is fresh.
func goldenNow() time.Time { return time.Unix(goldenCreated+1, 0) }
