package audiohook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// HTTP headers of the AudioHook upgrade request.
const (
	HeaderOrganizationID = "Audiohook-Organization-Id"
	HeaderSessionID      = "Audiohook-Session-Id"
	HeaderCorrelationID  = "Audiohook-Correlation-Id"
	HeaderAPIKey         = "X-Api-Key" // X-API-KEY; HTTP header names are case-insensitive
	HeaderSignature      = "Signature"
	HeaderSignatureInput = "Signature-Input"
)

// SignatureAlgorithm is the only algorithm AudioHook uses.
const SignatureAlgorithm = "hmac-sha256"

// signatureLabel is the label Genesys uses for its signature.
const signatureLabel = "sig1"

// RequiredComponents are the components an AudioHook signature covers, in
// the order Genesys signs them.
func RequiredComponents() []string {
	return []string{"@request-target", "@authority", "audiohook-organization-id",
		"audiohook-session-id", "audiohook-correlation-id", "x-api-key"}
}

// DecodeSecret decodes a client secret as configured in Genesys and in the
// credentials file: standard base64. The HMAC key is the decoded bytes.
func DecodeSecret(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%w: client secret is not base64", ErrCredentials)
	}
	return b, nil
}

// NewNonce returns a random nonce of 24 base64 characters (18 bytes), as
// Genesys's reference client makes them; verifiers want at least 22.
func NewNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// Sign adds Signature-Input and Signature to an upgrade request whose
// Audiohook-* and X-API-KEY headers are already set, covering
// RequiredComponents with keyid, nonce, alg, created and, unless expires is
// zero, expires (RFC 9421 as AudioHook profiles it). The authority is
// req.Host, else req.URL.Host, normalized; the target is req.URL's path
// and query.
func Sign(req *http.Request, keyID string, secret []byte, nonce string, created, expires time.Time) error {
	items := make([]sfItem, 0, 6)
	for _, c := range RequiredComponents() {
		items = append(items, sfItem{bare: sfBare{kind: sfString, s: c}})
	}
	params := []sfParam{
		{key: "keyid", val: sfBare{kind: sfString, s: keyID}},
		{key: "nonce", val: sfBare{kind: sfString, s: nonce}},
		{key: "alg", val: sfBare{kind: sfString, s: SignatureAlgorithm}},
		{key: "created", val: sfBare{kind: sfInteger, i: created.Unix()}},
	}
	if !expires.IsZero() {
		params = append(params, sfParam{key: "expires", val: sfBare{kind: sfInteger, i: expires.Unix()}})
	}
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	base, err := signatureBase(items, params, func(name string) (string, bool) {
		return componentValue(req, name, normalizeAuthority(authority), req.URL.RequestURI())
	})
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(base))
	req.Header.Set(HeaderSignatureInput, serializeDictionary([]sfMember{{key: signatureLabel, inner: true, list: items, params: params}}))
	req.Header.Set(HeaderSignature, serializeDictionary([]sfMember{{key: signatureLabel, item: sfItem{bare: sfBare{kind: sfBytes, b: mac.Sum(nil)}}}}))
	return nil
}

// signatureBase builds the RFC 9421 §2.5 signature base: one line
// `"name": value` per covered component, then `"@signature-params": ...`
// serialized canonically, joined by LF. value resolves a component; a
// component it cannot resolve fails with ErrMissingComponent.
func signatureBase(items []sfItem, params []sfParam, value func(string) (string, bool)) (string, error) {
	var sb strings.Builder
	for _, it := range items {
		name := it.bare.s
		v, ok := value(name)
		if !ok {
			return "", fmt.Errorf("%w: %q", ErrMissingComponent, truncate(name))
		}
		it.appendTo(&sb)
		sb.WriteString(": ")
		sb.WriteString(v)
		sb.WriteByte('\n')
	}
	sb.WriteString(`"@signature-params": `)
	sb.WriteString(serializeInnerList(items, params))
	return sb.String(), nil
}

// componentValue resolves a covered component of r: the derived components
// AudioHook needs (and @method, @path, @query), or a header field with its
// values trimmed and joined by ", " (RFC 9421 §2.1).
func componentValue(r *http.Request, name, authority, target string) (string, bool) {
	switch name {
	case "@request-target":
		return target, target != ""
	case "@authority":
		return authority, authority != ""
	case "@method":
		return r.Method, r.Method != ""
	case "@path":
		path, _, _ := strings.Cut(target, "?")
		return path, path != ""
	case "@query":
		_, q, _ := strings.Cut(target, "?")
		return "?" + q, true
	case "host":
		return r.Host, r.Host != ""
	}
	if strings.HasPrefix(name, "@") {
		return "", false
	}
	vals := r.Header.Values(name)
	if len(vals) == 0 {
		return "", false
	}
	out := make([]string, len(vals)) // Values aliases the request's headers
	for i, v := range vals {
		out[i] = canonicalFieldValue(v)
	}
	return strings.Join(out, ", "), true
}

// canonicalFieldValue trims a field line and replaces obsolete line folding.
func canonicalFieldValue(v string) string {
	v = strings.Trim(v, " \t")
	if !strings.ContainsAny(v, "\r\n") {
		return v
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\r' && i+1 < len(v) && v[i+1] == '\n' && i+2 < len(v) && (v[i+2] == ' ' || v[i+2] == '\t') {
			s := sb.String()
			sb.Reset()
			sb.WriteString(strings.TrimRight(s, " \t"))
			sb.WriteByte(' ')
			i += 2
			for i+1 < len(v) && (v[i+1] == ' ' || v[i+1] == '\t') {
				i++
			}
			continue
		}
		sb.WriteByte(v[i])
	}
	return sb.String()
}

// normalizeAuthority lowercases a host[:port] and drops the default ports
// 443 and 80, as RFC 9421 §2.2.3 asks and as Genesys's client signs it.
func normalizeAuthority(a string) string {
	a = strings.ToLower(strings.TrimSpace(a))
	for _, p := range []string{":443", ":80"} {
		if strings.HasSuffix(a, p) {
			return strings.TrimSuffix(a, p)
		}
	}
	return a
}
