package genesys

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// SetClientSecret replaces the OAuth client secret, as a rotated
// client_secret_file on SIGHUP: it asks the login service for a token with
// the new secret first, and only once one is issued swaps the secret and
// the token. API requests wait for the swap, and the notification sockets
// do not use the token, so no event is lost. On error, such as a secret
// the login service refuses, the running secret and token stay. The same
// secret again is a no-op that asks nothing.
func (t *Tracker) SetClientSecret(ctx context.Context, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: empty client secret", ErrConfig)
	}
	if err := t.api.tok.setSecret(ctx, secret); err != nil {
		return fmt.Errorf("genesys: new client secret: %w", err)
	}
	return nil
}

// setSecret fetches a token with secret and, when that works, makes both
// current. Holding mu serializes it with refreshes.
func (tc *tokenCache) setSecret(ctx context.Context, secret string) error {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if secret == tc.cfg.ClientSecret {
		return nil
	}
	next := tc.cfg
	next.ClientSecret = secret
	asked := time.Now()
	tok, err := next.Token(context.WithValue(ctx, oauth2.HTTPClient, tc.http))
	if err != nil {
		tc.m.tokenRefreshes.WithLabelValues("error").Inc()
		return tokenError(err)
	}
	if tok.AccessToken == "" {
		tc.m.tokenRefreshes.WithLabelValues("error").Inc()
		return fmt.Errorf("%w: the token response has no access_token", ErrAuth)
	}
	tc.m.tokenRefreshes.WithLabelValues("ok").Inc()
	tc.log.Info("genesys: client secret replaced; new OAuth token", "expires", tok.Expiry)
	tc.cfg, tc.tok, tc.got = next, tok, asked
	return nil
}
