package genesys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenCache holds the OAuth client-credentials token. It is what
// oauth2.ReuseTokenSource is, plus two things the tracker needs: a token
// Genesys refused (revoked, or expired early) can be dropped, and a failed
// refresh is an error the caller retries, never a panic or a stuck
// goroutine. Refreshes are serialized; callers wait for the one in flight.
type tokenCache struct {
	cfg  clientcredentials.Config
	http *http.Client
	log  *slog.Logger
	m    *Metrics

	mu  sync.Mutex // guards the fields below, and serializes refreshes
	tok *oauth2.Token
	got time.Time // when tok was obtained
}

func newTokenCache(tokenURL, id, secret string, hc *http.Client, log *slog.Logger, m *Metrics) *tokenCache {
	return &tokenCache{
		cfg: clientcredentials.Config{
			ClientID:     id,
			ClientSecret: secret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
		http: hc,
		log:  log,
		m:    m,
	}
}

// token returns a valid access token, fetching a new one when the cached
// one is missing or near its expiry.
func (tc *tokenCache) token(ctx context.Context) (string, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.tok != nil && fresh(tc.tok, tc.got, time.Now()) {
		return tc.tok.AccessToken, nil
	}
	asked := time.Now()
	tok, err := tc.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, tc.http))
	if err != nil {
		tc.m.tokenRefreshes.WithLabelValues("error").Inc()
		return "", tokenError(err)
	}
	if tok.AccessToken == "" {
		tc.m.tokenRefreshes.WithLabelValues("error").Inc()
		return "", fmt.Errorf("%w: the token response has no access_token", ErrAuth)
	}
	tc.m.tokenRefreshes.WithLabelValues("ok").Inc()
	tc.log.Debug("genesys: new OAuth token", "expires", tok.Expiry)
	tc.tok, tc.got = tok, asked
	return tok.AccessToken, nil
}

// invalidate drops access if it is still the cached token (Genesys
// answered 401 to it), so that the next call fetches a new one.
func (tc *tokenCache) invalidate(access string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.tok != nil && tc.tok.AccessToken == access {
		tc.tok = nil
	}
}

// fresh reports whether t, obtained at got, is valid now with a safety
// margin of a tenth of its lifetime, at most a minute: refreshing a
// little early means a request never carries a token that expires on its
// way. A token with no expiry is fresh until Genesys refuses it.
func fresh(t *oauth2.Token, got, now time.Time) bool {
	if t.Expiry.IsZero() {
		return true
	}
	margin := min(time.Minute, t.Expiry.Sub(got)/10)
	return now.Add(margin).Before(t.Expiry)
}

// tokenError wraps a token failure with ErrAuth, saying whether it is the
// credentials (permanent until fixed) or the login service.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		switch {
		case code == http.StatusBadRequest || code == http.StatusUnauthorized || code == http.StatusForbidden:
			return &authError{status: code, err: fmt.Errorf("%w: the login service refused the client credentials (check client_id and client_secret_file): %w", ErrAuth, err)}
		default:
			return &authError{status: code, err: fmt.Errorf("%w: login service answered HTTP %d: %w", ErrAuth, code, err)}
		}
	}
	return &authError{err: fmt.Errorf("%w: %w", ErrAuth, err)}
}

// authError is a token failure with the login service's HTTP status (0 for
// a network error).
type authError struct {
	status int
	err    error
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// permanent reports whether the login service refused the credentials
// themselves: retrying soon cannot help.
func (e *authError) permanent() bool {
	return e.status == http.StatusBadRequest || e.status == http.StatusUnauthorized || e.status == http.StatusForbidden
}
